"""CCV Shop's REST API (`/api/rest/v1/`): a signed client, typed resources and a sandbox."""
