"""Live dashboards: the page, the login proxy and the Server-Sent Events stream."""
