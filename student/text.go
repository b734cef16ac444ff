package student

import (
	"fmt"

	"edubureau/fault"
	"edubureau/i18n"
)

// i18n2 builds a message whose two languages take different arguments
// (a name in Chinese on one side, in English on the other).
func i18n2(zh, en string, zhArgs, enArgs []any) i18n.Text {
	return i18n.Text{ZH: fmt.Sprintf(zh, zhArgs...), EN: fmt.Sprintf(en, enArgs...)}
}

// fieldFault is an error of kind k about one field, whose message is also the
// error's headline.
func fieldFault(k fault.Kind, field string, msg i18n.Text) error {
	return &fault.Error{Kind: k, Msg: msg, Fields: []fault.FieldError{{Field: field, Msg: msg}}}
}

// invalid is an Invalid error about one field.
func invalid(field, zh, en string, args ...any) error {
	var v fault.Validation
	v.Add(field, zh, en, args...)
	return v.Err()
}

// paging checks and defaults a list's page (from 1) and page size (50 by
// default, at most MaxPerPage).
func paging(page, perPage *int) error {
	if *page < 0 || *perPage < 0 || *perPage > MaxPerPage {
		return invalid("per_page", "分页参数无效：页码从 1 起，每页 1–%d 条", "invalid paging: pages count from 1, per_page is 1–%d", MaxPerPage)
	}
	if *page == 0 {
		*page = 1
	}
	if *perPage == 0 {
		*perPage = 50
	}
	return nil
}
