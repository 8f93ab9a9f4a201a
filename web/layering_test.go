package web_test

import (
	"os/exec"
	"strings"
	"testing"
)

// TestNothingInternalImportsTheHTTPLayer: the arrows run one way, from the
// HTTP layer (web, views) and the binary to the services under internal/,
// never back — tests included, so that a service's tests never need a web
// server (those that drive HTTP live in web/ and e2e/).
func TestNothingInternalImportsTheHTTPLayer(t *testing.T) {
	t.Parallel()
	const mod = "github.com/answers-console/answers/"
	out, err := exec.Command("go", "list", "-f",
		`{{.ImportPath}} {{join .Imports " "}} {{join .TestImports " "}} {{join .XTestImports " "}}`,
		mod+"internal/...").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	if len(lines) < 10 {
		t.Fatalf("go list found %d packages under internal/:\n%s", len(lines), out)
	}
	for _, line := range lines {
		f := strings.Fields(line)
		for _, imp := range f[1:] {
			if imp == mod+"web" || strings.HasPrefix(imp, mod+"web/") || imp == mod+"views" {
				t.Errorf("%s imports %s", strings.TrimPrefix(f[0], mod), strings.TrimPrefix(imp, mod))
			}
		}
	}
}
