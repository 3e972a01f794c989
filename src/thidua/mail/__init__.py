"""E-mail: the month's message (`mailer`, `outbox`), collecting from the mailbox (`mailbox`), replies to
senders (`replies`) and the server settings they share (`servers`).

May import every stage below it; the faces (api, cli) call it.
"""
