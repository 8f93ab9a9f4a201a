package seed

import (
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
)

var (
	brands = []string{"Acme", "Northwind", "Globex", "Initech", "Umbrella", "Hooli", "Stark", "Wayne", "Tyrell", "Cyberdyne",
		"Soylent", "Wonka", "Vandelay", "Gringotts", "Oscorp", "Pied Piper", "Monarch", "Aperture", "Duff", "Nakatomi"}
	// purposes name chatbots after what their definition (the kind with
	// the same index modulo the number of kinds) does.
	purposes = [][]string{
		{"Help desk", "Support", "FAQ", "Customer care", "Info line"},
		{"Order status", "Delivery tracking", "Returns", "Shop assistant", "Order desk"},
		{"Appointments", "Bookings", "Table reservations", "Clinic booking", "Test drives"},
	}
	regions    = []string{"", "", "", " EU", " US", " UK", " LATAM", " APAC", " DACH", " Nordics"}
	firstNames = []string{"Maria", "James", "Aiko", "Lena", "Omar", "Sofia", "Wei", "Lucas", "Amara", "Noah", "Ines", "Mateo", "Priya", "Jonas", "Chloe"}
	lastNames  = []string{"Garcia", "Smith", "Tanaka", "Meyer", "Haddad", "Rossi", "Chen", "Silva", "Okafor", "Johansson", "Dubois", "Kowalski", "Patel", "Novak", "Brown"}
	languages  = []string{"en", "en", "en", "en", "en", "es", "es", "de", "fr", "pt", "it", "nl"}
	// channelWeights is how senders spread over the channels.
	channelWeights = []struct {
		channel string
		weight  int
	}{{"whatsapp", 30}, {"livechat", 25}, {"sms", 15}, {"messenger", 12}, {"telegram", 10}, {"viber", 8}}
)

func pick[T any](r *rand.Rand, xs []T) T { return xs[r.IntN(len(xs))] }

func channelFor(r *rand.Rand) string {
	n := r.IntN(100)
	for _, c := range channelWeights {
		if n < c.weight {
			return c.channel
		}
		n -= c.weight
	}
	return "whatsapp"
}

// senderAddress is a valid, unique address for the i-th sender.
func senderAddress(channel string, i int) string {
	switch channel {
	case "sms", "whatsapp", "viber":
		return "+1" + strconv.Itoa(2_025_550_000+i)
	case "telegram":
		// Telegram bot usernames end in "bot" (senders.NormalAddress).
		return fmt.Sprintf("%s_%d_bot", strings.ToLower(strings.ReplaceAll(brands[i%len(brands)], " ", "")), i)
	case "messenger":
		return strconv.Itoa(104_000_000_000_000 + i*7)
	default:
		return fmt.Sprintf("%s-%d", strings.ToLower(strings.ReplaceAll(brands[i%len(brands)], " ", "-")), i)
	}
}

// endUser is the address of end user u on a channel: a phone number, a
// Telegram or Messenger id, or a web chat visitor id.
func endUser(channel string, u int) string {
	switch channel {
	case "sms", "whatsapp", "viber":
		return "+1" + strconv.Itoa(3_000_000_000+u)
	case "telegram":
		return strconv.Itoa(500_000_000 + u)
	case "messenger":
		return strconv.Itoa(7_000_000_000_000_000 + u)
	default:
		return "visitor-" + strconv.FormatUint(uint64(u)*2_654_435_761%(1<<32), 36) + "-" + strconv.Itoa(u)
	}
}

// chatbotName is a unique name for the i-th chatbot, of kind k.
func chatbotName(r *rand.Rand, i, k int) string {
	p := purposes[k%len(purposes)]
	return fmt.Sprintf("%s %s%s %d", pick(r, brands), pick(r, p), pick(r, regions), i+1)
}

// ip is a client address from the documentation ranges.
func ip(r *rand.Rand) string {
	if r.IntN(3) == 0 {
		return fmt.Sprintf("2001:db8::%x", r.IntN(1<<16))
	}
	return fmt.Sprintf("198.51.100.%d", r.IntN(254)+1)
}
