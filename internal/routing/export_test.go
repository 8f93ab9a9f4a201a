package routing

// PerJob makes s route each message in a savepoint of its own, the path
// before set-oriented batches (see Service.perJob).
func PerJob(s *Service) { s.perJob = true }
