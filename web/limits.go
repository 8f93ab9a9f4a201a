package web

import (
	"errors"
	"fmt"
	"mime"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/answers-console/answers/internal/chatbot"
	"github.com/answers-console/answers/internal/problem"
)

// Request body limits by kind of route.
const (
	// A message is at most 4,096 characters: 64 KiB is room enough.
	inboundBodyLimit = 64 << 10
	// An export document or a definition (at most 1 MiB) and its envelope.
	apiBodyLimit = chatbot.MaxDefinitionBytes + 64<<10
	// The import form's file (at most 1 MiB) with multipart overhead.
	pageBodyLimit = 2 << 20
	// Operations routes take no body.
	opsBodyLimit = 4 << 10
)

func bodyLimit(k kind) int64 {
	switch k {
	case inbound:
		return inboundBodyLimit
	case api:
		return apiBodyLimit
	case page:
		return pageBodyLimit
	}
	return opsBodyLimit
}

// tooLarge is the refusal of a body over limit bytes.
func tooLarge(limit int64) error {
	return &problem.Error{Kind: problem.TooLarge, Code: "body_too_large",
		Message: fmt.Sprintf("The request body is larger than %s, the most this address accepts.", byteSize(limit)),
		Details: map[string]int64{"limit_bytes": limit}}
}

// isTooLarge reports whether err is a read that went past the body limit,
// and if so returns the refusal to answer with.
func isTooLarge(err error) (error, bool) {
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return tooLarge(mbe.Limit), true
	}
	return nil, false
}

func byteSize(n int64) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MiB", n>>20)
	case n >= 1<<10:
		return fmt.Sprintf("%d KiB", n>>10)
	}
	return fmt.Sprintf("%d bytes", n)
}

// limitBody refuses a request whose body is over limit: at once when it
// says so in Content-Length, else when it is read. Forms are read here, so
// that an oversize form is refused as such rather than read as empty.
func limitBody(limit int64) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			r := c.Request()
			if r.ContentLength > limit {
				return tooLarge(limit)
			}
			r.Body = http.MaxBytesReader(c.Response(), r.Body, limit)
			if r.Method == http.MethodPost {
				var err error
				switch ct, _, _ := mime.ParseMediaType(r.Header.Get(echo.HeaderContentType)); ct {
				case echo.MIMEApplicationForm:
					err = r.ParseForm()
				case echo.MIMEMultipartForm:
					err = r.ParseMultipartForm(limit)
				}
				if e, ok := isTooLarge(err); ok {
					return e
				}
			}
			return next(c)
		}
	}
}
