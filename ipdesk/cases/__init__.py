"""Cases: intake, routing, the stage machine, messages, evidence and counsel records."""
