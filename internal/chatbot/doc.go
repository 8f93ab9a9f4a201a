// Package chatbot holds a chatbot's definition, its validation and the
// dialog engine that runs it. It knows nothing of HTTP or SQL: the runtime
// persists an engine State as JSON between inbound messages and calls
// Start or Continue with it.
//
// # Definition
//
// A definition is a JSON document (see Definition): attributes the
// chatbot stores answers in, dialogs made of ordered elements, the entry
// dialog and an optional fallback dialog. Parse reads it strictly and
// refuses what cannot be represented (unknown fields, element types,
// attribute types or operators, wrong JSON types, over MaxDefinitionBytes);
// everything else, such as a jump to a dialog that does not exist yet, is
// left to Validate, so that an editor can save a work in progress.
//
// # Validation
//
// Validate returns findings, each with a severity, a stable code and a
// message that names the dialog and element it is about. Errors block
// activation; warnings can be overridden. Its checks cost time in
// proportion to the definition (BenchmarkValidateLargest).
//
// # Engine
//
// The engine is a pure function of the definition, the state and the
// input. Its rules:
//
//   - The inbound message that opens a session is its trigger: Start runs
//     the entry dialog from its first element and does not take that
//     message as an answer. Questions and keywords always wait for a
//     fresh input.
//   - message sends its text with {{attribute}} placeholders filled from
//     the stored attributes (unknown or unset ones become empty). A text
//     that is blank once filled is not sent.
//   - question sends its prompt and waits. The answer is checked against
//     the attribute's type: text (not blank), number ("3,5" is read as
//     3.5), email (a bare address whose domain has a dot), phone (digits,
//     spaces, + - ( ), at least 6 digits), date (YYYY-MM-DD, DD/MM/YYYY or
//     DD.MM.YYYY) or yesno (yes, y, no, n, true, false, si, oui, non, ja,
//     nein; case and accents ignored). A valid answer is stored in its
//     normalised form (numbers as plain decimals, dates as YYYY-MM-DD,
//     phones as digits with an optional leading +, yes/no as "yes" or
//     "no") and the dialog goes on. An invalid one sends the retry text
//     and the prompt again, until MaxTries tries (3 when unset) have
//     failed; then the fallback dialog is entered if there is one, else
//     the dialog goes on with the next element and the attribute unset.
//   - keywords waits for input, normalises it (lower case, accents and
//     punctuation removed, spaces collapsed) and takes the first branch
//     with a keyword that appears in it as a whole word sequence
//     ("opening" matches "What are your opening hours?", "open" does
//     not). Without a match the fallback dialog is entered, unless there
//     is none or it is the current dialog: then the engine keeps waiting
//     and says nothing. A fuzzy keywords element, when no keyword
//     matches exactly, also takes an input word of MinFuzzyRunes or more
//     letters for a keyword word one edit away (a letter inserted,
//     deleted or replaced, or two neighbours swapped; see fuzzyIndex):
//     an exact match always wins, and the trace says "matched 'pirces'
//     as 'prices'".
//   - buttons sends its text and waits; its options' labels are the
//     Result's Choices (and the State's, for a page to show). The input
//     chooses the option whose label it is (normalised as keywords are,
//     so "opening HOURS!" chooses "Opening hours") or whose number it is
//     ("2"), and that option's dialog is entered. Anything else is
//     handled as input no keyword matched. On an SMS the choices are a
//     numbered list at the end of the text (WithChoiceList).
//   - condition compares the attribute with its value: eq and ne compare
//     numbers when both sides are numbers and text without regard to case
//     otherwise; lt and gt compare numbers, else dates, else are false;
//     contains looks for the value in the attribute ignoring case and
//     accents; empty holds when the attribute is unset or blank. When the
//     condition holds its dialog is entered, else the dialog goes on.
//   - goto enters its dialog.
//   - close sends its text if it has one and completes the session.
//   - When a dialog runs out of elements the turn ends and the state goes
//     back to the start of the entry dialog, not waiting: the next input
//     is a trigger again and runs the entry dialog from the top. Stored
//     attributes are kept for the whole session.
//   - Entering a dialog that does not exist ends the turn the same way.
//   - Every element executed (answers to a waiting element included)
//     counts one step; after MaxSteps in one call the run stops with
//     StepLimit set and the replies so far.
//   - Output is bounded whatever the definition (SPEC §4b): a placeholder
//     shows at most MaxPlaceholderRunes characters of its value, a text
//     fills at most MaxTextPlaceholders placeholders and is at most
//     MaxTextRunes characters once filled, a turn at most
//     MaxTurnReplies replies of MaxTurnBytes together. What goes past is
//     cut, ending in "…", or not sent; the run itself goes on (the state
//     is as if all were sent), Result.Cut is set and the trace says where
//     (EventTextCut, EventTurnLimit). Validate warns (CodeTextMayBeCut)
//     where a text can reach its bound.
//   - Matching keywords costs time in proportion to the input's words,
//     however many keywords there are and however they overlap (see
//     keywordIndex).
//
// The engine never panics, whatever the definition, state or input.
package chatbot
