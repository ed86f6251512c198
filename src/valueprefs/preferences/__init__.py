"""Value preferences: TrueSkill over short-form decisions, argument order in long-form answers."""
