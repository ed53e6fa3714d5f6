"""The ways a caller reaches the agent: web chat, SMS, the terminal (voice comes later).

Channel adapters turn a vendor's request into `runtime.handle_message` calls and the
agent's turn back into the vendor's reply; they never touch the database themselves.
"""
