"""Read models: dashboards, distributions and exports, read in bulk; they change nothing."""
