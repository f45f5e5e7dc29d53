"""The web platform: thin Django views over the programme services and the analytic core."""
