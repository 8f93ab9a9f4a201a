package analytics

import "github.com/answers-console/answers/internal/chatbot"

// A chatbot's analytics name its dialogs from its definition and from
// every release's: parsing them all again was a tenth of the page's time.
// Releases never change and a chatbot's definition changes only with its
// version, so their dialog names are kept by release, or by chatbot and
// version: exact, never stale.

// maxNames bounds the dialog names kept (a definition can hold thousands);
// the cache starts over when full.
const maxNames = 200_000

// namesKey is a release, or a chatbot at one version.
type namesKey struct{ releaseID, chatbotID, version int64 }

type dialogName struct{ id, name string }

// dialogs lists the dialogs of def, the definition k names, in order;
// none if it does not parse.
func (s *Service) dialogs(k namesKey, def []byte) []dialogName {
	out, _ := s.names.get(k, func() ([]dialogName, error) { // never fails
		d, err := chatbot.Parse(def)
		if err != nil {
			return nil, nil
		}
		out := make([]dialogName, 0, len(d.Dialogs))
		for _, x := range d.Dialogs {
			out = append(out, dialogName{x.ID, x.Name})
		}
		return out, nil
	})
	return out
}
