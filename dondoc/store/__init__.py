"""SQL: the directory, the read model of tasks, the audit trail and the mail outbox."""
