package web

import (
	"net/url"
	"strconv"

	"edubureau/fault"
)

// pageLink is one link of a pager: a page number, or a gap (…).
type pageLink struct {
	Num     int
	URL     string
	Current bool
	Gap     bool
}

// pager is the navigation under a paged list; page data embed it, so
// templates read .First, .Last, .Prev, .Next and .Pages.
type pager struct {
	First, Last int        // 1-based positions of the page's first and last rows (0 when empty)
	Prev, Next  string     // "" at the ends
	Pages       []pageLink // the first, the last and two either side of the current page
	HXTarget    string     // the element htmx swaps the next page into ("": plain links)
}

// newPager builds the pager of page (from 1) of perPage rows out of total;
// link returns the URL of page n.
func newPager(page, perPage, total int, link func(n int) string) pager {
	var p pager
	if total == 0 || perPage <= 0 {
		return p
	}
	pages := (total + perPage - 1) / perPage
	p.First = (page-1)*perPage + 1
	p.Last = min(page*perPage, total)
	if page > 1 {
		p.Prev = link(page - 1)
	}
	if page < pages {
		p.Next = link(page + 1)
	}
	if pages > 1 {
		gap := false
		for n := 1; n <= pages; n++ {
			if n == 1 || n == pages || n >= page-2 && n <= page+2 {
				p.Pages = append(p.Pages, pageLink{Num: n, URL: link(n), Current: n == page})
				gap = false
			} else if !gap {
				p.Pages = append(p.Pages, pageLink{Gap: true})
				gap = true
			}
		}
	}
	return p
}

// parsePage reads the page and per_page query values of a list: "" leaves
// the default (0); anything else must be a whole number, the page from 1,
// per_page from 1 to maxPerPage (0: per_page is not offered). Problems are
// added to v under the parameter's name.
func parsePage(v *fault.Validation, page, perPage string, maxPerPage int) (p, pp int) {
	if page != "" {
		n, err := strconv.Atoi(page)
		if err != nil || n < 1 {
			v.Add("page", "页码 %q 应为正整数", "page %q must be a positive whole number", page)
		} else {
			p = n
		}
	}
	if perPage != "" && maxPerPage > 0 {
		n, err := strconv.Atoi(perPage)
		if err != nil || n < 1 || n > maxPerPage {
			v.Add("per_page", "每页条数 %q 应为 1–%d 的整数", "per_page %q must be a whole number from 1 to %d", perPage, maxPerPage)
		} else {
			pp = n
		}
	}
	return p, pp
}

// queryPager is the pager of a list at path filtered by filters (empty ones
// left out of the links), the page number added to them.
func queryPager(path string, filters map[string]string, page, perPage, total int) pager {
	base := url.Values{}
	for k, v := range filters {
		if v != "" {
			base.Set(k, v)
		}
	}
	return newPager(max(page, 1), perPage, total, func(n int) string {
		v := url.Values{}
		for k, x := range base {
			v[k] = x
		}
		if n > 1 {
			v.Set("page", strconv.Itoa(n))
		}
		if len(v) == 0 {
			return path
		}
		return path + "?" + v.Encode()
	})
}
