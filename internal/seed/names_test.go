package seed

import (
	"testing"

	"github.com/answers-console/answers/internal/senders"
)

// The bulk load writes senders beside the service: their addresses must
// still pass its rules, or a seeded sender could not be edited.
func TestSenderAddressesPassTheRules(t *testing.T) {
	for _, ch := range senders.Channels {
		for _, i := range []int{0, 1, 19, 20, 999, 99_999} {
			a := senderAddress(ch, i)
			if got, err := senders.NormalAddress(ch, a); err != nil || got != a {
				t.Errorf("%s sender %d: %q → %q, %v", ch, i, a, got, err)
			}
		}
	}
}
