"""Pages that belong to no single app (the landing page, help): the top of the app order, beside backoffice."""
