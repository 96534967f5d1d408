"""Side effects of the workflows: recording events and sending mail, each retried safely."""
