"""The service layer: one module per job (read -> domain -> write), shared by the command
line, the buttons and the tests. A job never prints: it returns a result that the entry
point presents."""
