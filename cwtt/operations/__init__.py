"""Running CWTT as a service (docs/deploy.md, decision 0034): the health endpoint for load
balancers, `cwtt check --deploy`'s list of missing secrets, and `cwtt backup` / `cwtt restore`.
It holds no data of its own."""
