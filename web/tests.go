package web

import (
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/answers-console/answers/internal/chatbots"
	"github.com/answers-console/answers/internal/problem"
	"github.com/answers-console/answers/views"
)

// testIndex reads the :idx of a test route.
func testIndex(c echo.Context) (int, error) {
	i, err := strconv.Atoi(c.Param("idx"))
	if err != nil || i < 0 || i > 10_000 {
		return 0, problem.New(problem.NotFound, "test_not_found", "No such test.")
	}
	return i, nil
}

// saveTest adds a test (no :idx) or saves test :idx. A refused save shows
// the form again as it was submitted, with the message beside it.
func (s *Server) saveTest(c echo.Context, i int) error {
	name, script := formValue(c, "name"), formValue(c, "script")
	anchor := views.TestAnchor(i)
	keep := func(d *views.EditorData) {
		d.TestDraft = &views.TestDraft{Index: i, Name: name, Script: script}
	}
	return s.editKeeping(c, anchor, anchor, chatbots.PartTests, keep, chatbots.SaveTest(i, name, script))
}

func (s *Server) addTest(c echo.Context) error { return s.saveTest(c, -1) }

func (s *Server) updateTest(c echo.Context) error {
	i, err := testIndex(c)
	if err != nil {
		return err
	}
	return s.saveTest(c, i)
}

func (s *Server) removeTest(c echo.Context) error {
	i, err := testIndex(c)
	if err != nil {
		return err
	}
	return s.edit(c, views.TestAnchor(i), "tests", chatbots.PartTests, chatbots.RemoveTest(i))
}

// runTests runs the conversation tests (within the budget of a test run,
// outside any lock) and records the run; then it shows where the Run
// button was: "then" validation is the validation panel, activate the
// activation dialog, anything else the tests' results. htmx gets that
// part, a plain post the chatbot page with it open.
func (s *Server) runTests(c echo.Context) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	run, err := s.cfg.Chatbots.RunTests(c.Request().Context(), actor(c), id)
	if err != nil {
		return err
	}
	d, err := s.editorData(c, id)
	if err != nil {
		return err
	}
	d.TestRun = &run
	switch formValue(c, "then") {
	case "validation":
		if err := s.review(c, &d); err != nil {
			return err
		}
		if isHTMX(c) {
			return s.render(c, http.StatusOK, views.ValidationPanel(d))
		}
		return s.render(c, http.StatusOK, views.EditorPage(d))
	case "activate":
		d.OpenDialog = "activate"
		if isHTMX(c) {
			return s.render(c, http.StatusOK, views.Editor(d))
		}
		return s.render(c, http.StatusOK, views.EditorPage(d))
	}
	if isHTMX(c) {
		return s.render(c, http.StatusOK, views.TestResults(d))
	}
	return s.render(c, http.StatusOK, views.EditorPage(d))
}
