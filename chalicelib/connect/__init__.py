"""Amazon Connect as this application meets it: the contact-flow contract
(`flow`: the InvokeLambdaFunction event in, a flat string map back, within the
budget) and the API client (`client`: tasks and chats, client tokens, errors
translated)."""
