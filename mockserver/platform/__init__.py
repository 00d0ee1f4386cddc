"""The platform around presence: tokens, grants, users, credentials, the clock, rate limits."""
