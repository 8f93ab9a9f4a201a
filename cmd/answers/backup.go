package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/answers-console/answers/internal/auth"
	"github.com/answers-console/answers/internal/store"
)

// backup writes a consistent copy of the database, even while a server
// writes to it, then opens the copy and says what it holds.
func backup(ctx context.Context, args []string, stdout io.Writer) error {
	fs, dbPath := flags("backup")
	to := fs.String("to", "", "the backup file to write (required)")
	force := fs.Bool("force", false, "overwrite the backup file if it exists")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *to == "" {
		return errors.New("--to: name the backup file to write")
	}
	if same, err := sameFile(*dbPath, *to); err != nil {
		return err
	} else if same {
		return fmt.Errorf("--to %s is the database itself; choose another file", *to)
	}
	if _, err := os.Stat(*to); err == nil && !*force {
		return fmt.Errorf("%s exists; choose another file or add --force to overwrite it", *to)
	}
	st, err := store.Open(ctx, *dbPath)
	if err != nil {
		return err
	}
	defer st.Close()
	// Write beside the target, then move it into place: a failed backup
	// never leaves half a file under the name asked for, and --force
	// replaces the old one only with a complete new one.
	tmp := filepath.Join(filepath.Dir(*to), "."+filepath.Base(*to)+".partial-"+auth.RandomToken(4))
	defer os.Remove(tmp)
	if err := st.BackupInto(ctx, tmp); err != nil {
		return err
	}
	if *force {
		err = os.Rename(tmp, *to)
	} else if err = os.Link(tmp, *to); errors.Is(err, os.ErrExist) {
		err = fmt.Errorf("%s appeared while the backup ran; nothing was overwritten", *to)
	}
	if err != nil {
		return err
	}
	sum, err := store.Inspect(ctx, *to)
	if err != nil {
		return fmt.Errorf("the backup %s was written but does not open: %w", *to, err)
	}
	if sum.AuditErr != nil {
		return fmt.Errorf("the backup %s was written but its audit chain is broken: %w", *to, sum.AuditErr)
	}
	fmt.Fprintf(stdout, "Backed up %s to %s (%d bytes, schema version %d):\n", *dbPath, *to, sum.Bytes, sum.SchemaVersion)
	fmt.Fprintf(stdout, "  %d users, %d senders, %d chatbots, %d sessions, %d messages,\n", sum.Users, sum.Senders, sum.Chatbots, sum.Sessions, sum.Messages)
	fmt.Fprintf(stdout, "  %d audit entries (chain verified).\n", sum.AuditEntries)
	return nil
}

// sameFile reports whether a and b name the same existing file.
func sameFile(a, b string) (bool, error) {
	fa, err := os.Stat(a)
	if err != nil {
		return false, nil // no database yet: Open creates it, and it is not b
	}
	fb, err := os.Stat(b)
	if err != nil {
		return false, nil
	}
	return os.SameFile(fa, fb), nil
}
