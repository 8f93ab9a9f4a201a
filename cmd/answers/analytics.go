package main

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/answers-console/answers/internal/analytics"
	"github.com/answers-console/answers/internal/store"
)

// analyticsRebuild recounts the analytics rollups from the sessions and
// transcripts, replacing what is stored.
func analyticsRebuild(ctx context.Context, args []string, stdout io.Writer) error {
	fs, dbPath := flags("analytics rebuild")
	if err := fs.Parse(args); err != nil {
		return err
	}
	st, err := store.Open(ctx, *dbPath)
	if err != nil {
		return err
	}
	defer st.Close()
	start := time.Now()
	if err := analytics.New(st).Rebuild(ctx); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "Analytics rebuilt from transcripts in %s.\n", time.Since(start).Round(time.Millisecond))
	return nil
}
