package webhooks

import (
	"net/netip"
	"strings"
	"testing"
	"time"
)

// The address rules, as values: nothing here connects anywhere.
func TestGuardCheck(t *testing.T) {
	loop := []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}
	tests := []struct {
		addr  string
		allow []netip.Prefix
		ok    bool
	}{
		{"93.184.215.14", nil, true},
		{"2606:2800:21f:cb07:6820:80da:af6b:8b2c", nil, true},
		{"127.0.0.1", nil, false},
		{"127.8.9.10", nil, false},
		{"::1", nil, false},
		{"0.0.0.0", nil, false},
		{"::", nil, false},
		{"10.1.2.3", nil, false},
		{"172.16.0.1", nil, false},
		{"172.31.255.255", nil, false},
		{"172.32.0.1", nil, true},
		{"192.168.1.1", nil, false},
		{"169.254.169.254", nil, false}, // cloud metadata
		{"100.64.0.1", nil, false},      // CGNAT
		{"100.127.255.254", nil, false},
		{"100.128.0.1", nil, true},
		{"224.0.0.1", nil, false},
		{"239.255.255.250", nil, false},
		{"255.255.255.255", nil, false},
		{"fe80::1", nil, false},
		{"fe80::1%eth0", nil, false},
		{"fc00::1", nil, false},
		{"fd12:3456::1", nil, false},
		{"ff02::1", nil, false},
		{"::ffff:127.0.0.1", nil, false}, // IPv4-mapped loopback
		{"::ffff:10.0.0.1", nil, false},
		{"::ffff:169.254.169.254", nil, false},
		{"::ffff:93.184.215.14", nil, true},
		{"64:ff9b::7f00:1", nil, false}, // NAT64 of 127.0.0.1
		{"127.0.0.1", loop, true},
		{"::ffff:127.0.0.1", loop, true},
		{"::1", loop, false},
		{"10.1.2.3", []netip.Prefix{netip.MustParsePrefix("10.1.0.0/16")}, true},
		{"10.2.2.3", []netip.Prefix{netip.MustParsePrefix("10.1.0.0/16")}, false},
	}
	for _, tt := range tests {
		err := Guard{Allow: tt.allow}.Check(netip.MustParseAddr(tt.addr))
		if (err == nil) != tt.ok {
			t.Errorf("Check(%s, allow %v) = %v, want ok=%v", tt.addr, tt.allow, err, tt.ok)
		}
	}
}

// Control judges the address the dialer is about to connect to (after
// name resolution); it is called with the resolved ip:port.
func TestGuardControl(t *testing.T) {
	g := Guard{}
	for _, a := range []string{"127.0.0.1:80", "[::1]:443", "[::ffff:10.0.0.1]:80", "169.254.169.254:80"} {
		if err := g.Control("tcp", a, nil); err == nil {
			t.Errorf("Control(%s) allowed", a)
		}
	}
	if err := g.Control("tcp", "93.184.215.14:443", nil); err != nil {
		t.Errorf("Control(public) = %v", err)
	}
}

func TestCheckURL(t *testing.T) {
	g := Guard{}
	bad := map[string]string{
		"":                           "full URL",
		"example.com/hooks":          "full URL",
		"ftp://example.com/x":        "http or https",
		"file:///etc/passwd":         "full URL",
		"gopher://example.com":       "http or https",
		"http://user:pw@example.com": "user and password",
		"http://127.0.0.1:8080/x":    "local or private",
		"http://localhost/x":         "local or private",
		"http://a.localhost/x":       "local or private",
		"http://[::1]/x":             "local or private",
		"http://10.0.0.8/x":          "local or private",
		"http://[::ffff:127.0.0.1]/": "local or private",
		"http://100.64.1.1/":         "100.64.0.0/10",
	}
	for u, want := range bad {
		if _, err := g.CheckURL(u); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("CheckURL(%q) = %v, want an error with %q", u, err, want)
		}
	}
	for _, u := range []string{"https://example.com/hooks", "http://hooks.example.org:8080/in?x=1"} {
		if _, err := g.CheckURL(u); err != nil {
			t.Errorf("CheckURL(%q) = %v", u, err)
		}
	}
	if _, err := (Guard{Allow: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}}).CheckURL("http://127.0.0.1:9/x"); err != nil {
		t.Errorf("allowed loopback refused: %v", err)
	}
}

func TestParseAllow(t *testing.T) {
	p, err := ParseAllow(" 127.0.0.0/8, 10.1.2.3/16 ,")
	if err != nil || len(p) != 2 || p[1].String() != "10.1.0.0/16" {
		t.Fatalf("ParseAllow = %v, %v", p, err)
	}
	if _, err := ParseAllow("127.0.0.1"); err == nil {
		t.Error("a bare address must be refused: a CIDR prefix is asked for")
	}
}

// The example of the Standard Webhooks specification.
func TestSignatureSpecExample(t *testing.T) {
	secret := "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
	body := []byte(`{"test": 2432232314}`)
	got, err := Signature(secret, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, body)
	if err != nil {
		t.Fatal(err)
	}
	if want := "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="; got != want {
		t.Fatalf("Signature = %s, want %s", got, want)
	}
	if err := Verify(secret, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, body, "v1,bogus "+got); err != nil {
		t.Fatal(err)
	}
	if err := Verify(secret, "msg_other", 1614265330, body, got); err == nil {
		t.Fatal("a signature of another id verified")
	}
}

func TestScheduleAndMatching(t *testing.T) {
	s := DefaultSchedule()
	for i, want := range []float64{5, 20, 80, 320} {
		d := s.Delay(i + 1).Seconds()
		if d < want*0.8 || d > want*1.2 {
			t.Errorf("Delay(%d) = %gs, want %gs ± 20%%", i+1, d, want)
		}
	}
	if d := s.Delay(40); d > s.Max*6/5 {
		t.Errorf("Delay(40) = %v, over the cap %v", d, s.Max)
	}
	sc := ScaledSchedule(s.First / 100)
	if sc.Horizon != s.Horizon/100 || sc.DisableAfter != s.DisableAfter/100 {
		t.Errorf("ScaledSchedule = %+v", sc)
	}
	if retryAfter("120", time.Now()) != 2*time.Minute {
		t.Error("Retry-After in seconds ignored")
	}
	if !checkOK([]string{"chatbot.*"}) || checkOK([]string{"chat*bot"}) || checkOK(nil) || checkOK([]string{"Chatbot.activated"}) {
		t.Error("event pattern validation")
	}
}

func checkOK(ev []string) bool { _, err := checkEvents(ev); return err == nil }
