"""What a client sent, judged: the request rules and the journal of verdicts."""
