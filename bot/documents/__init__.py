"""Write the core's document models as files the member can edit (.docx)."""
