package lifecycle

import "github.com/answers-console/answers/internal/chatbot"

// SetRunTests makes s run conversation tests with run (tests watch when
// and how often they run).
func SetRunTests(s *Service, run func(*chatbot.Definition) []chatbot.TestResult) { s.runTests = run }
