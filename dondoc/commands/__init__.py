"""The use cases every interface shares: issue a notice, act on a task, resend a mail,
read a notice's text. The CLI, the console, the API and the action relay call these.

The rule every command keeps: nothing here blocks the event loop, and no database
session is held across an await of Temporal, SMTP or anything slow. Database work runs
in a thread in short sessions (``dondoc.store.db.in_session``), before or after the
await, never around it.
"""
