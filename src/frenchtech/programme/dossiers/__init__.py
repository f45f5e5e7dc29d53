"""Calls for applications (a campaign opened with its calendar), dossiers, their versions and attachments."""
