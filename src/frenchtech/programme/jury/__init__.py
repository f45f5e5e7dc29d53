"""The jury: rubric, assignments of jurors to dossiers, conflicts of interest, reviews and reminders."""
