package enrol

import (
	"bytes"
	"context"
	"io"
	"strings"

	"edubureau/fault"
	"edubureau/i18n"
	"edubureau/importer"
)

// Import runs one of the office's kinds of import (ZhongkaoKind,
// SeniorPlanKind) on a file held in memory, through the import engine —
// the same checks and writes as the web page, the API and the command line,
// with its job in the import history. params are the kind's parameters
// (year, tiebreak). An import that does not go through (any row refused,
// the file unreadable) is an Invalid error naming the first problems by row
// and column, and nothing is written; the result has them all.
func (o *Office) Import(ctx context.Context, by Actor, kind importer.Kind, name string, content []byte, params map[string]string) (importer.Result, error) {
	if err := by.mayRun(); err != nil {
		return importer.Result{}, err
	}
	src := importer.ReaderSource(name, int64(len(content)), func() (io.ReadCloser, error) {
		return io.NopCloser(bytes.NewReader(content)), nil
	})
	svc := importer.New(o.DB, o.Audit, "")
	svc.Now = o.Now
	res, err := svc.Run(ctx, importer.Request{Kind: kind, Source: src, Options: importer.Options{Params: params}, Actor: by.Actor,
		Scope: by.Scope, Via: "cli"})
	if err != nil {
		return res, err
	}
	return res, ImportError(res)
}

// ImportError is nil for an import that went through (or a dry run that
// found nothing wrong), and otherwise an Invalid error naming the first
// problems, each with its row and column.
func ImportError(res importer.Result) error {
	if (res.Status == importer.Done || res.Status == importer.Checked) && res.Refused == 0 {
		return nil
	}
	e := &fault.Error{Kind: fault.Invalid}
	var zh, en []string
	for _, p := range res.Problems {
		if p.Warning {
			continue
		}
		if len(zh) < 5 {
			zh, en = append(zh, p.In(i18n.ZH)), append(en, p.In(i18n.EN))
		}
		e.Fields = append(e.Fields, fault.FieldError{Field: p.Where(i18n.EN), Msg: p.Message})
	}
	if len(zh) == 0 {
		zh, en = []string{res.Status.Label().ZH}, []string{res.Status.Label().EN}
	}
	e.Msg = i18n.Text{ZH: res.File + "：" + strings.Join(zh, "；"), EN: res.File + ": " + strings.Join(en, "; ")}
	return e
}
