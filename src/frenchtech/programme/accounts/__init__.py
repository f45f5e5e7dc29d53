"""People of the programme: roles, territory teams, and the permission rules they act under."""
