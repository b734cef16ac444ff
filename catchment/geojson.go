package catchment

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"

	"edubureau/fault"
	"edubureau/i18n"
)

// The GeoJSON form of zones (RFC 7946) is a FeatureCollection with one Feature
// per zone. Its geometry is a Polygon or a MultiPolygon (holes allowed), its
// positions [longitude, latitude] (a third number, the altitude, is accepted
// and dropped), and its properties are:
//
//	"zone"    string, required: the zone code, unique in the file
//	"name"    string, optional: the zone's name
//	"schools" array of strings, required: the 10-digit identifiers of the
//	          zone's schools, at least one (several for 多校划片)
//
// Other properties and members ("id", "bbox", foreign members) are ignored on
// reading; WriteZones writes "id" equal to the zone code for other GIS tools.
const (
	PropZone    = "zone"
	PropName    = "name"
	PropSchools = "schools"
)

// ReadZones reads a GeoJSON FeatureCollection of zones. name says where the
// data came from (a file name) and begins every error message. Errors are
// fault.Invalid and name the feature (features[i], counted from 0) and what is
// wrong with it. The zones are returned in file order.
func ReadZones(r io.Reader, name string) ([]Zone, error) {
	if name == "" {
		name = "GeoJSON"
	}
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, fault.Wrap(err, "read "+name)
	}
	var top map[string]json.RawMessage
	if err := json.Unmarshal(data, &top); err != nil {
		return nil, jsonError(name, data, err)
	}
	var typ string
	if raw, ok := top["type"]; !ok || json.Unmarshal(raw, &typ) != nil || typ != "FeatureCollection" {
		return nil, fileError(name, -1, "", i18n.T("不是 GeoJSON FeatureCollection（type 应为 \"FeatureCollection\"）",
			"not a GeoJSON FeatureCollection (type must be \"FeatureCollection\")"))
	}
	var features []json.RawMessage
	if raw, ok := top["features"]; !ok || json.Unmarshal(raw, &features) != nil {
		return nil, fileError(name, -1, "", i18n.T("FeatureCollection 缺少 features 数组", "the FeatureCollection has no \"features\" array"))
	}
	zones := make([]Zone, 0, len(features))
	seen := make(map[string]int, len(features))
	for i, raw := range features {
		z, code, msg, ok := readFeature(raw)
		if !ok {
			return nil, fileError(name, i, code, msg)
		}
		if j, dup := seen[z.Code]; dup {
			return nil, fileError(name, i, z.Code, i18n.T("片区代码与 features[%d] 重复", "the zone code repeats that of features[%d]", j))
		}
		seen[z.Code] = i
		zones = append(zones, z)
	}
	return zones, nil
}

// fileError is an Invalid error located in the file: feature i (or the whole
// file when i < 0), with the zone code when it is known.
func fileError(name string, i int, code string, msg i18n.Text) error {
	var p i18n.Text
	switch {
	case i < 0:
		p = i18n.T("%s：", "%s: ", name)
	case code == "":
		p = i18n.T("%s：要素 features[%d]：", "%s: features[%d]: ", name, i)
	default:
		p = i18n.T("%s：要素 features[%d]（片区 %s）：", "%s: features[%d] (zone %s): ", name, i, code)
	}
	return &fault.Error{Kind: fault.Invalid, Msg: join(p, msg)}
}

// jsonError describes a JSON syntax error by line and column.
func jsonError(name string, data []byte, err error) error {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		line, col := lineCol(data, se.Offset)
		return &fault.Error{Kind: fault.Invalid, Err: err, Msg: i18n.T("%s：不是有效的 JSON（第 %d 行第 %d 列：%s）",
			"%s: not valid JSON (line %d, column %d: %s)", name, line, col, se.Error())}
	case errors.As(err, &te):
		return fileError(name, -1, "", i18n.T("顶层不是 JSON 对象", "the top level is not a JSON object"))
	}
	return &fault.Error{Kind: fault.Invalid, Err: err, Msg: i18n.T("%s：不是有效的 JSON（%s）", "%s: not valid JSON (%s)", name, err.Error())}
}

func lineCol(data []byte, off int64) (line, col int) {
	if off > int64(len(data)) {
		off = int64(len(data))
	}
	before := data[:off]
	line = bytes.Count(before, []byte{'\n'}) + 1
	col = int(off) - (bytes.LastIndexByte(before, '\n') + 1)
	return line, col
}

// readFeature turns one Feature into a Zone, or says what is wrong with it.
// code is the zone code as far as it could be read, for the error message.
func readFeature(raw json.RawMessage) (z Zone, code string, msg i18n.Text, ok bool) {
	var f map[string]json.RawMessage
	var typ string
	if json.Unmarshal(raw, &f) != nil || json.Unmarshal(f["type"], &typ) != nil || typ != "Feature" {
		return z, "", i18n.T("不是 GeoJSON Feature（type 应为 \"Feature\"）", "not a GeoJSON Feature (type must be \"Feature\")"), false
	}
	var props map[string]json.RawMessage
	if json.Unmarshal(f["properties"], &props) != nil || props == nil {
		return z, "", i18n.T("缺少属性对象 properties", "the \"properties\" object is missing"), false
	}
	if raw, has := props[PropZone]; has && json.Unmarshal(raw, &z.Code) != nil {
		return z, "", i18n.T("属性 zone 应为字符串", "property \"zone\" must be a string"), false
	}
	if msg, ok := checkCode(z.Code); !ok {
		return z, "", msg, false
	}
	code = z.Code
	if raw, has := props[PropName]; has && json.Unmarshal(raw, &z.Name) != nil {
		return z, code, i18n.T("属性 name 应为字符串", "property \"name\" must be a string"), false
	}
	if raw, has := props[PropSchools]; has && json.Unmarshal(raw, &z.Schools) != nil {
		return z, code, i18n.T("属性 schools 应为字符串数组", "property \"schools\" must be an array of strings"), false
	}
	if msg, ok := checkSchools(z.Schools); !ok {
		return z, code, msg, false
	}
	polys, msg, ok := readGeometry(f["geometry"])
	if !ok {
		return z, code, msg, false
	}
	z.Polygons = polys
	if msg, ok := checkShape(z.Polygons); !ok {
		return z, code, msg, false
	}
	return z, code, i18n.Text{}, true
}

func readGeometry(raw json.RawMessage) ([]Polygon, i18n.Text, bool) {
	var g map[string]json.RawMessage
	if json.Unmarshal(raw, &g) != nil || g == nil {
		return nil, i18n.T("缺少几何对象 geometry", "the \"geometry\" object is missing"), false
	}
	var typ string
	if json.Unmarshal(g["type"], &typ) != nil {
		return nil, i18n.T("几何对象缺少 type", "the geometry has no \"type\""), false
	}
	switch typ {
	case "Polygon":
		var c [][][]float64
		if json.Unmarshal(g["coordinates"], &c) != nil || c == nil {
			return nil, i18n.T("Polygon 的 coordinates 应为坐标环的数组", "the Polygon's coordinates must be an array of rings of positions"), false
		}
		p, msg, ok := toPolygon(c, 0)
		if !ok {
			return nil, msg, false
		}
		return []Polygon{p}, i18n.Text{}, true
	case "MultiPolygon":
		var c [][][][]float64
		if json.Unmarshal(g["coordinates"], &c) != nil || c == nil {
			return nil, i18n.T("MultiPolygon 的 coordinates 应为多边形的数组", "the MultiPolygon's coordinates must be an array of polygons"), false
		}
		if len(c) == 0 {
			return nil, i18n.T("MultiPolygon 没有多边形", "the MultiPolygon has no polygon"), false
		}
		polys := make([]Polygon, len(c))
		for k := range c {
			p, msg, ok := toPolygon(c[k], k)
			if !ok {
				return nil, msg, false
			}
			polys[k] = p
		}
		return polys, i18n.Text{}, true
	}
	return nil, i18n.T("不支持的几何类型 %q（只接受 Polygon 与 MultiPolygon）",
		"unsupported geometry type %q (only Polygon and MultiPolygon are accepted)", typ), false
}

func toPolygon(c [][][]float64, k int) (Polygon, i18n.Text, bool) {
	if len(c) == 0 {
		return nil, i18n.T("第 %d 个多边形没有环", "polygon %d has no ring", k+1), false
	}
	p := make(Polygon, len(c))
	for r, ring := range c {
		out := make(Ring, len(ring))
		for i, pos := range ring {
			if len(pos) < 2 || len(pos) > 3 {
				return nil, i18n.T("第 %d 个多边形第 %d 个环的第 %d 个坐标应有 2 或 3 个数",
					"polygon %d, ring %d, position %d must have 2 or 3 numbers", k+1, r+1, i+1), false
			}
			out[i] = LngLat{pos[0], pos[1]}
		}
		p[r] = out
	}
	return p, i18n.Text{}, true
}

// WriteZones writes zones as a GeoJSON FeatureCollection that ReadZones reads
// back to the same zones: one feature per line, in the order given, with the
// properties "zone", "name" and "schools" always present and in that order. A
// zone with one polygon is written as a Polygon, with several as a MultiPolygon.
// Zones that Validate refuses are not written (the error says why), so that
// every file written can be read back.
func WriteZones(w io.Writer, zones []Zone) error {
	if err := Validate(zones); err != nil {
		return err
	}
	bw := bufio.NewWriter(w)
	bw.WriteString(`{"type":"FeatureCollection","features":[`)
	for i := range zones {
		z := &zones[i]
		if i > 0 {
			bw.WriteByte(',')
		}
		bw.WriteString("\n")
		b, err := json.Marshal(featureOut{
			Type:       "Feature",
			ID:         z.Code,
			Properties: propsOut{Zone: z.Code, Name: z.Name, Schools: nonNil(z.Schools)},
			Geometry:   geometryOut(z.Polygons),
		})
		if err != nil {
			return fault.Wrap(fmt.Errorf("zone %s: %w", z.Code, err), "write GeoJSON")
		}
		bw.Write(b)
	}
	bw.WriteString("\n]}\n")
	if err := bw.Flush(); err != nil {
		return fault.Wrap(err, "write GeoJSON")
	}
	return nil
}

type featureOut struct {
	Type       string   `json:"type"`
	ID         string   `json:"id"`
	Properties propsOut `json:"properties"`
	Geometry   geomOut  `json:"geometry"`
}

type propsOut struct {
	Zone    string   `json:"zone"`
	Name    string   `json:"name"`
	Schools []string `json:"schools"`
}

type geomOut struct {
	Type        string `json:"type"`
	Coordinates any    `json:"coordinates"`
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func geometryOut(polys []Polygon) geomOut {
	conv := func(p Polygon) [][][2]float64 {
		out := make([][][2]float64, len(p))
		for r, ring := range p {
			out[r] = make([][2]float64, len(ring))
			for i, q := range ring {
				out[r][i] = [2]float64{q.Lng, q.Lat}
			}
		}
		return out
	}
	if len(polys) == 1 {
		return geomOut{Type: "Polygon", Coordinates: conv(polys[0])}
	}
	mp := make([][][][2]float64, len(polys))
	for k, p := range polys {
		mp[k] = conv(p)
	}
	return geomOut{Type: "MultiPolygon", Coordinates: mp}
}

// MarshalGeometry writes polygons as one GeoJSON geometry: a Polygon for one,
// a MultiPolygon for several (what WriteZones writes for a zone).
func MarshalGeometry(polys []Polygon) ([]byte, error) {
	if msg, ok := checkShape(polys); !ok {
		return nil, &fault.Error{Kind: fault.Invalid, Msg: msg}
	}
	return json.Marshal(geometryOut(polys))
}

// UnmarshalGeometry reads a GeoJSON Polygon or MultiPolygon geometry and
// checks its shape as ReadZones does. Errors are fault.Invalid.
func UnmarshalGeometry(data []byte) ([]Polygon, error) {
	polys, msg, ok := readGeometry(data)
	if ok {
		msg, ok = checkShape(polys)
	}
	if !ok {
		return nil, &fault.Error{Kind: fault.Invalid, Msg: msg}
	}
	return polys, nil
}

// ReadFeature reads one zone: a GeoJSON Feature, or a FeatureCollection
// holding exactly one, with the properties ReadZones reads. name begins
// every error message.
func ReadFeature(r io.Reader, name string) (Zone, error) {
	if name == "" {
		name = "GeoJSON"
	}
	data, err := io.ReadAll(r)
	if err != nil {
		return Zone{}, fault.Wrap(err, "read "+name)
	}
	var top map[string]json.RawMessage
	if err := json.Unmarshal(data, &top); err != nil {
		return Zone{}, jsonError(name, data, err)
	}
	var typ string
	json.Unmarshal(top["type"], &typ)
	if typ == "FeatureCollection" {
		zones, err := ReadZones(bytes.NewReader(data), name)
		if err != nil {
			return Zone{}, err
		}
		if len(zones) != 1 {
			return Zone{}, fileError(name, -1, "", i18n.T("应只含一个片区（要素），实有 %d 个", "should hold exactly one zone (feature), not %d", len(zones)))
		}
		return zones[0], nil
	}
	z, code, msg, ok := readFeature(data)
	if !ok {
		return Zone{}, fileError(name, 0, code, msg)
	}
	return z, nil
}

// ParseRing reads the vertices of one outer ring typed by hand, one
// "longitude, latitude" per line (commas, spaces or tabs between; blank lines
// skipped); the ring is closed if the last vertex does not repeat the first.
// The error names the line.
func ParseRing(text string) (Ring, error) {
	var ring Ring
	for n, line := range strings.Split(strings.ReplaceAll(text, "\r\n", "\n"), "\n") {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		f := strings.FieldsFunc(line, func(r rune) bool { return r == ',' || r == '，' || r == ' ' || r == '\t' })
		bad := func() error {
			return &fault.Error{Kind: fault.Invalid, Msg: i18n.T("第 %d 行“%s”应为“经度, 纬度”两个数", "line %d %q should be two numbers: longitude, latitude", n+1, line)}
		}
		if len(f) != 2 {
			return nil, bad()
		}
		lng, err1 := strconv.ParseFloat(f[0], 64)
		lat, err2 := strconv.ParseFloat(f[1], 64)
		if err1 != nil || err2 != nil || math.IsNaN(lng) || math.IsNaN(lat) {
			return nil, bad()
		}
		if !(lng >= -180 && lng <= 180 && lat >= -90 && lat <= 90) {
			return nil, &fault.Error{Kind: fault.Invalid, Msg: i18n.T("第 %d 行：坐标超出范围（经度 −180…180，纬度 −90…90）",
				"line %d: the position is out of range (longitude −180…180, latitude −90…90)", n+1)}
		}
		ring = append(ring, LngLat{lng, lat})
	}
	if len(ring) > 0 && ring[0] != ring[len(ring)-1] {
		ring = append(ring, ring[0])
	}
	if msg, ok := checkShape([]Polygon{{ring}}); !ok {
		return nil, &fault.Error{Kind: fault.Invalid, Msg: msg}
	}
	return ring, nil
}

// Vertices counts the distinct positions of polygons (a ring's closing
// position not counted).
func Vertices(polys []Polygon) int {
	n := 0
	for _, p := range polys {
		for _, r := range p {
			n += max(0, len(r)-1)
		}
	}
	return n
}
