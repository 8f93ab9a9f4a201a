package analytics

import (
	"sync"

	"github.com/answers-console/answers/internal/chatbot"
)

// A chatbot's analytics name its dialogs from its definition and from
// every release's: parsing them all again was a tenth of the page's time.
// Releases never change and a chatbot's definition changes only with its
// version, so their dialog names are kept by release, or by chatbot and
// version: exact, never stale.

const maxNamesCache = 4096 // definitions kept; the cache starts over when full

// namesKey is a release, or a chatbot at one version.
type namesKey struct{ releaseID, chatbotID, version int64 }

type dialogName struct{ id, name string }

type namesCache struct {
	mu sync.Mutex
	m  map[namesKey][]dialogName
}

// dialogs lists the dialogs of def, the definition k names, in order;
// none if it does not parse.
func (c *namesCache) dialogs(k namesKey, def []byte) []dialogName {
	c.mu.Lock()
	out, ok := c.m[k]
	c.mu.Unlock()
	if ok {
		return out
	}
	if d, err := chatbot.Parse(def); err == nil {
		out = make([]dialogName, 0, len(d.Dialogs))
		for _, x := range d.Dialogs {
			out = append(out, dialogName{x.ID, x.Name})
		}
	}
	c.mu.Lock()
	if c.m == nil || len(c.m) >= maxNamesCache {
		c.m = map[namesKey][]dialogName{}
	}
	c.m[k] = out
	c.mu.Unlock()
	return out
}
