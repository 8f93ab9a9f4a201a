package views

import "github.com/answers-console/answers/internal/chatbot"

// activateBlock says what blocks activation, from the plan's findings:
// failing conversation tests first, else other validation errors ("" when
// nothing blocks it).
func activateBlock(d EditorData) string {
	tests, others := 0, 0
	for _, f := range chatbot.Errors(d.PlanFindings) {
		if f.Code == chatbot.CodeTestFailed {
			tests++
		} else {
			others++
		}
	}
	switch {
	case tests > 0:
		return Counted(tests, "test", "fails", "fail")
	case others > 0:
		return Plural(others, "validation error")
	}
	return ""
}

// activateLabel is the Activate button's label: it says when something
// blocks activation, so that the button does not look like it would work.
func activateLabel(d EditorData) string {
	if b := activateBlock(d); b != "" {
		return "Activate… (blocked: " + b + ")"
	}
	return "Activate…"
}

func activateClass(d EditorData) string {
	if activateBlock(d) != "" {
		return "outline secondary"
	}
	return ""
}
