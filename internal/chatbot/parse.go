package chatbot

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// ParseError says what is wrong with a definition document and where, as a
// path such as "dialogs[2].elements[0]" ("" for the document as a whole).
type ParseError struct {
	Path    string
	Message string
}

func (e *ParseError) Error() string {
	if e.Path == "" {
		return e.Message
	}
	return e.Path + ": " + e.Message
}

// The raw shapes keep nested lists undecoded so that each item is decoded
// on its own and an error can name its index.
type rawDefinition struct {
	Attributes []json.RawMessage `json:"attributes"`
	Entry      string            `json:"entry"`
	Fallback   string            `json:"fallback"`
	Dialogs    []json.RawMessage `json:"dialogs"`
	Tests      []json.RawMessage `json:"tests"`

	HandoverTimeout     int    `json:"handover_timeout_seconds"`
	HandoverOnTimeout   string `json:"handover_on_timeout"`
	HandoverTimeoutText string `json:"handover_timeout_text"`
}

type rawDialog struct {
	ID       string            `json:"id"`
	Name     string            `json:"name"`
	Elements []json.RawMessage `json:"elements"`
}

type rawElement struct {
	Type      string            `json:"type"`
	Text      string            `json:"text"`
	Attribute string            `json:"attribute"`
	RetryText string            `json:"retry_text"`
	MaxTries  int               `json:"max_tries"`
	Branches  []json.RawMessage `json:"branches"`
	Fuzzy     bool              `json:"fuzzy"`
	Options   []json.RawMessage `json:"options"`
	Operator  string            `json:"operator"`
	Value     string            `json:"value"`
	Dialog    string            `json:"dialog"`
	Queue     string            `json:"queue"`
	Note      string            `json:"note"`
}

// safeName is what dialog ids and attribute names may be made of: they
// appear in addresses and form fields of the editor, so nothing else gets
// in. (Validate applies the stricter attribute-name rule.)
var safeName = regexp.MustCompile(`^[A-Za-z0-9_]{0,64}$`)

// Parse reads a definition document strictly: unknown keys, wrong JSON
// types, unknown element types, attribute types and operators, and
// documents over MaxStoredDefinitionBytes are refused with a *ParseError
// (writers check MaxDefinitionBytes themselves).
// Problems of meaning (a jump to a missing dialog, a missing entry…) are
// not parse errors: Validate reports them.
func Parse(data []byte) (*Definition, error) {
	if len(data) > MaxStoredDefinitionBytes {
		return nil, &ParseError{Message: fmt.Sprintf("the definition is %d bytes; the limit is %d (1 MiB)", len(data), MaxDefinitionBytes)}
	}
	var raw rawDefinition
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&raw); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, &ParseError{Message: "the definition is empty"}
		}
		return nil, describe(err, "", data)
	}
	off := dec.InputOffset()
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		for off < int64(len(data)) && strings.IndexByte(" \t\r\n", data[off]) >= 0 {
			off++
		}
		return nil, &ParseError{Message: "unexpected data after the definition " + position(data, off)}
	}

	def := &Definition{Entry: raw.Entry, Fallback: raw.Fallback,
		HandoverTimeout: raw.HandoverTimeout, HandoverOnTimeout: raw.HandoverOnTimeout, HandoverTimeoutText: raw.HandoverTimeoutText}
	def.Attributes = make([]Attribute, 0, len(raw.Attributes))
	for i, r := range raw.Attributes {
		path := fmt.Sprintf("attributes[%d]", i)
		var a Attribute
		if err := decodeStrict(r, &a, path, data); err != nil {
			return nil, err
		}
		if !slices.Contains(AttributeTypes(), a.Type) {
			return nil, &ParseError{Path: path + ".type", Message: unknown("type", a.Type, AttributeTypes())}
		}
		if !safeName.MatchString(a.Name) {
			return nil, &ParseError{Path: path + ".name", Message: fmt.Sprintf("attribute name %q may use only letters, digits and _ (at most 64)", a.Name)}
		}
		def.Attributes = append(def.Attributes, a)
	}
	def.Dialogs = make([]Dialog, 0, len(raw.Dialogs))
	for i, r := range raw.Dialogs {
		path := fmt.Sprintf("dialogs[%d]", i)
		var rd rawDialog
		if err := decodeStrict(r, &rd, path, data); err != nil {
			return nil, err
		}
		if !safeName.MatchString(rd.ID) {
			return nil, &ParseError{Path: path + ".id", Message: fmt.Sprintf("dialog id %q may use only letters, digits and _ (at most 64)", rd.ID)}
		}
		dl := Dialog{ID: rd.ID, Name: rd.Name, Elements: make([]Element, 0, len(rd.Elements))}
		for j, r := range rd.Elements {
			el, err := parseElement(r, fmt.Sprintf("%s.elements[%d]", path, j), data)
			if err != nil {
				return nil, err
			}
			dl.Elements = append(dl.Elements, el)
		}
		def.Dialogs = append(def.Dialogs, dl)
	}
	for i, r := range raw.Tests {
		path := fmt.Sprintf("tests[%d]", i)
		var t Test
		if err := decodeStrict(r, &t, path, data); err != nil {
			return nil, err
		}
		for j, turn := range t.Turns {
			if turn.Match != "" && !slices.Contains(MatchModes(), turn.Match) {
				return nil, &ParseError{Path: fmt.Sprintf("%s.turns[%d].match", path, j), Message: unknown("match", turn.Match, MatchModes())}
			}
		}
		def.Tests = append(def.Tests, t)
	}
	def.normalise()
	return def, nil
}

func parseElement(r json.RawMessage, path string, doc []byte) (Element, error) {
	var re rawElement
	if err := decodeStrict(r, &re, path, doc); err != nil {
		return Element{}, err
	}
	if !slices.Contains(ElementTypes(), re.Type) {
		return Element{}, &ParseError{Path: path, Message: unknown("element type", re.Type, ElementTypes())}
	}
	// An empty operator is a condition not finished yet: Validate says so.
	if re.Operator != "" && !slices.Contains(Operators(), re.Operator) {
		return Element{}, &ParseError{Path: path + ".operator", Message: unknown("operator", re.Operator, Operators())}
	}
	el := Element{
		Type: re.Type, Text: re.Text, Attribute: re.Attribute, RetryText: re.RetryText, MaxTries: re.MaxTries,
		Operator: re.Operator, Value: re.Value, Dialog: re.Dialog, Fuzzy: re.Fuzzy, Queue: re.Queue, Note: re.Note,
	}
	for k, r := range re.Branches {
		var b Branch
		if err := decodeStrict(r, &b, fmt.Sprintf("%s.branches[%d]", path, k), doc); err != nil {
			return Element{}, err
		}
		el.Branches = append(el.Branches, b)
	}
	for k, r := range re.Options {
		var o Option
		if err := decodeStrict(r, &o, fmt.Sprintf("%s.options[%d]", path, k), doc); err != nil {
			return Element{}, err
		}
		el.Options = append(el.Options, o)
	}
	return el, nil
}

func unknown(what, got string, valid []string) string {
	if got == "" {
		return fmt.Sprintf("missing %s; use one of %s", what, strings.Join(valid, ", "))
	}
	return fmt.Sprintf("unknown %s %q; use one of %s", what, got, strings.Join(valid, ", "))
}

// decodeStrict decodes one item of the document, already known to be
// well-formed JSON.
func decodeStrict(item []byte, v any, path string, doc []byte) error {
	dec := json.NewDecoder(bytes.NewReader(item))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return describe(err, path, doc)
	}
	return nil
}

// describe turns an encoding/json error into a ParseError in plain words.
func describe(err error, path string, doc []byte) error {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn):
		// Offset counts the bytes read, the bad one included.
		return &ParseError{Path: path, Message: "not valid JSON " + position(doc, max(syn.Offset-1, 0)) + ": " + strings.TrimPrefix(syn.Error(), "json: ")}
	case errors.As(err, &typ):
		p := path
		if typ.Field != "" {
			p = join(path, typ.Field)
		}
		return &ParseError{Path: p, Message: fmt.Sprintf("expected %s, found %s", expected(typ.Type), found(typ.Value))}
	case errors.Is(err, io.ErrUnexpectedEOF):
		return &ParseError{Path: path, Message: "not valid JSON: the document ends too early"}
	}
	msg := strings.TrimPrefix(err.Error(), "json: ")
	if _, name, ok := strings.Cut(msg, "unknown field "); ok {
		return &ParseError{Path: path, Message: "unknown key " + name}
	}
	return &ParseError{Path: path, Message: msg}
}

func join(path, field string) string {
	if path == "" {
		return field
	}
	return path + "." + field
}

func expected(t reflect.Type) string {
	if t == nil {
		return "another value"
	}
	switch t.Kind() {
	case reflect.String:
		return "text"
	case reflect.Int, reflect.Int64, reflect.Int32:
		return "a whole number"
	case reflect.Slice:
		return "a list"
	case reflect.Struct, reflect.Map:
		return "an object"
	case reflect.Bool:
		return "true or false"
	}
	return t.String()
}

func found(v string) string {
	switch {
	case v == "string":
		return "text"
	case v == "number":
		return "a number"
	case strings.HasPrefix(v, "number "):
		return "the number " + strings.TrimPrefix(v, "number ")
	case v == "bool":
		return "true or false"
	case v == "array":
		return "a list"
	case v == "object":
		return "an object"
	}
	return v
}

// position describes a byte offset as a line and column.
func position(doc []byte, off int64) string {
	if off < 0 || off > int64(len(doc)) {
		return "at byte " + strconv.FormatInt(off, 10)
	}
	before := doc[:off]
	line := bytes.Count(before, []byte("\n")) + 1
	col := int(off) - (bytes.LastIndexByte(before, '\n') + 1) + 1
	return fmt.Sprintf("at line %d, column %d", line, col)
}
