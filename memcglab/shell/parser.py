"""Recursive-descent parser for POSIX sh plus the bash features reproducers use.

Why a hand-written parser: bash reads and executes one complete top-level
command at a time, so the commands before a syntax error still run, and the
error names its line with bash's exact wording. No maintained Python library
parses incrementally with that error behaviour (shlex only splits words;
the sh-parsing libraries parse whole files and report their own errors), so
``Parser.next_command`` hands the interpreter one complete command at a time.
"""

from __future__ import annotations

from .lexer import REDIR_OPS, Lexer, ParseError, Token, skip_quoted
from .nodes import (
    AndOr,
    Arith,
    ArithCmd,
    ArithFor,
    ArrayAssign,
    Assign,
    Case,
    CmdList,
    CondCmd,
    For,
    FuncDef,
    Group,
    If,
    Lit,
    Loop,
    Pipeline,
    Redir,
    Simple,
    Subshell,
    Word,
)

# Reserved words that cannot start a command (bash reports them as unexpected).
NOT_A_COMMAND = frozenset(["then", "else", "elif", "fi", "do", "done", "esac", "}", "in"])
LIST_ENDS = frozenset([")", ";;", ";&", ";;&"])
COND_OPS = frozenset(["&&", "||", "(", ")", "<", ">"])
# builtins whose ``name=(...)`` arguments are array assignments, as in bash
DECLARATIONS = frozenset(["declare", "typeset", "local", "readonly", "export"])


def _is_name(text: str) -> bool:
    return bool(text) and (text[0].isalpha() or text[0] == "_") and text.replace(
        "_", "a").isalnum() and text.isascii()


def _closing_bracket(text: str, pos: int) -> int:
    """Index of the ``]`` matching the ``[`` at ``pos``, or -1; a quoted or
    backslash-escaped ``]`` does not count (``m["a]b"]=1``)."""
    depth = 0
    i = pos
    while i < len(text):
        c = text[i]
        if c == "\\" or c in "'\"":
            i = skip_quoted(text, i)
            continue
        if c == "[":
            depth += 1
        elif c == "]":
            depth -= 1
            if depth == 0:
                return i
        i += 1
    return -1


class Parser:
    def __init__(self, src: str, pos: int = 0, line: int = 1):
        self.lex = Lexer(src, pos, line, self._subparse)
        self.tok: Token | None = None
        self.last_line = line  # the line of the newline that ended the last command

    # ---- token helpers ---------------------------------------------------

    def peek(self) -> Token:
        if self.tok is None:
            self.tok = self.lex.next_token()
        return self.tok

    def take(self) -> Token:
        tok = self.peek()
        self.tok = None
        return tok

    def exhausted(self) -> bool:
        """Nothing but blanks is left to read (bash: ``*bash_input.location.string == 0``)."""
        return self.tok is None and not self.lex.src[self.lex.pos:].strip()

    def skip_newlines(self) -> None:
        while self.peek().kind == "NL":
            self.take()

    @staticmethod
    def error(tok: Token) -> ParseError:
        if tok.kind == "EOF":
            return ParseError(tok.line, None)
        return ParseError(tok.line, "newline" if tok.kind == "NL" else tok.text)

    @staticmethod
    def reserved(tok: Token) -> str | None:
        """The token's text if it is an unquoted plain word (a reserved-word candidate)."""
        if tok.kind == "WORD" and type(tok.word) is Word:
            parts = tok.word.parts
            if len(parts) == 1 and type(parts[0]) is Lit:
                return parts[0].text
        return None

    def expect_word(self, word: str) -> Token:
        tok = self.take()
        if self.reserved(tok) != word:
            raise self.error(tok)
        return tok

    def expect_op(self, op: str) -> Token:
        tok = self.take()
        if tok.kind != "OP" or tok.text != op:
            raise self.error(tok)
        return tok

    def source_line(self, line: int) -> str:
        lines = self.lex.src.split("\n")
        return lines[line - 1] if 0 < line <= len(lines) else ""

    # ---- entry points ----------------------------------------------------

    def next_command(self) -> CmdList | None:
        """Parse one complete top-level command; None at end of input."""
        self.skip_newlines()
        if self.peek().kind == "EOF":
            return None
        items = []
        while True:
            and_or = self.and_or()
            tok = self.peek()
            if tok.kind == "OP" and tok.text in (";", "&"):
                self.take()
                items.append((and_or, tok.text == "&"))
                if self.peek().kind in ("NL", "EOF"):
                    break
                continue
            items.append((and_or, False))
            break
        tok = self.take()
        if tok.kind not in ("NL", "EOF"):
            raise self.error(tok)
        self.last_line = tok.line
        return CmdList(items)

    def _subparse(self, src: str, pos: int, line: int, closed: bool):
        """Parse the body of ``$(...)``, ``<(...)``, ``>(...)`` (closed) or of a
        backquoted command."""
        sub = Parser(src, pos, line)
        try:
            body = sub.compound_list(frozenset(), allow_empty=True)
            if closed:
                sub.expect_op(")")
        except ParseError as e:
            if closed and e.token is None and e.message is None:
                # the end of the script inside the parentheses: bash's message
                raise ParseError(e.line, None,
                                 "unexpected EOF while looking for matching `)'") from None
            raise
        if not closed and sub.peek().kind != "EOF":
            raise sub.error(sub.peek())
        return body, sub.lex.pos, sub.lex.line

    # ---- lists -----------------------------------------------------------

    def at_list_end(self, tok: Token, stops: frozenset) -> bool:
        if tok.kind == "EOF":
            return True
        if tok.kind == "OP":
            return tok.text in LIST_ENDS
        return self.reserved(tok) in stops

    def compound_list(self, stops: frozenset, allow_empty: bool = False) -> CmdList:
        self.skip_newlines()
        items = []
        last_line = 0
        newline = False
        while not self.at_list_end(self.peek(), stops):
            if newline:
                last_line = len(items)
            and_or = self.and_or()
            tok = self.peek()
            if tok.kind == "OP" and tok.text in (";", "&"):
                self.take()
                items.append((and_or, tok.text == "&"))
                newline = self.peek().kind == "NL"
                self.skip_newlines()
            elif tok.kind == "NL":
                items.append((and_or, False))
                newline = True
                self.skip_newlines()
            else:
                items.append((and_or, False))
                break
        if not items and not allow_empty:
            raise self.error(self.peek())
        return CmdList(items, last_line)

    def and_or(self):
        first = self.pipeline()
        rest = []
        while True:
            tok = self.peek()
            if tok.kind != "OP" or tok.text not in ("&&", "||"):
                break
            self.take()
            self.skip_newlines()
            rest.append((tok.text, self.pipeline()))
        return AndOr(first, rest) if rest else first

    def pipeline(self):
        line = self.peek().line
        negate = False
        timed = False
        while True:
            word = self.reserved(self.peek())
            if word == "!":
                self.take()
                negate = not negate
            elif word == "time" and not timed:
                self.take()
                timed = True
            else:
                break
        cmds = [self.command()]
        while True:
            tok = self.peek()
            if tok.kind != "OP" or tok.text not in ("|", "|&"):
                break
            self.take()
            if tok.text == "|&":
                self._add_redir(cmds[-1], Redir(2, ">&", Word([Lit("1")], "1")))
            self.skip_newlines()
            cmds.append(self.command())
        if len(cmds) == 1 and not negate and not timed:
            return cmds[0]
        return Pipeline(cmds, negate, line, timed)

    @staticmethod
    def _add_redir(cmd, redir: Redir) -> None:
        if hasattr(cmd, "redirs"):
            cmd.redirs.append(redir)

    # ---- commands --------------------------------------------------------

    def command(self):
        tok = self.peek()
        if tok.kind == "OP":
            if tok.text == "(":
                node = self.subshell_or_arith()
            elif tok.text in REDIR_OPS:
                return self.simple_command()
            else:
                raise self.error(tok)
        elif tok.kind == "WORD":
            word = self.reserved(tok)
            parse = self.COMPOUND.get(word) if word is not None else None
            if parse is not None:
                node = parse(self)
            elif word in NOT_A_COMMAND:
                raise self.error(tok)
            else:
                return self.simple_command()
        else:
            raise self.error(tok)
        while self.peek().kind == "OP" and self.peek().text in REDIR_OPS:
            node.redirs.append(self.redirect())
        return node

    def redirect(self) -> Redir:
        op = self.take()
        target = self.take()
        if target.kind != "WORD":
            raise self.error(target)
        return Redir(op.fd, op.text, target.word)

    def simple_command(self):
        line = self.peek().line
        assigns: list = []
        words: list = []
        redirs: list = []
        while True:
            tok = self.peek()
            if tok.kind == "OP" and tok.text in REDIR_OPS:
                redirs.append(self.redirect())
                continue
            if tok.kind != "WORD":
                break
            self.take()
            if not words:
                assign = self.assignment(tok)
                if assign is not None:
                    assigns.append(self.array_list(tok, assign) if self.opens_list(tok, assign)
                                   else assign)
                    continue
                if not assigns and not redirs and self.peek().kind == "OP" \
                        and self.peek().text == "(":
                    return self.function_body(tok.text, line)
            elif words[0].literal in DECLARATIONS:
                assign = self.assignment(tok)
                if assign is not None and self.opens_list(tok, assign):
                    words.append(self.array_list(tok, assign))
                    continue
            words.append(tok.word)
        if not (assigns or words or redirs):
            raise self.error(self.peek())
        return Simple(assigns, words, redirs, line)

    def assignment(self, tok: Token) -> Assign | None:
        """``name=value``, ``name+=value`` or ``name[subscript]=value``, else None."""
        word = tok.word
        if type(word) is not Word or not word.parts or type(word.parts[0]) is not Lit:
            return None
        text = word.parts[0].text
        eq = text.find("=")
        bracket = text.find("[")
        if 0 < bracket < eq or (eq < 0 and bracket > 0):
            return self.element_assignment(tok)
        if eq <= 0:
            return None
        name, append = text[:eq], False
        if name.endswith("+"):
            name, append = name[:-1], True
        if not _is_name(name):
            return None
        rest = text[eq + 1:]
        parts = ([Lit(rest)] if rest else []) + word.parts[1:]
        return Assign(name, Word(parts, word.raw[eq + 1:]), append)

    def element_assignment(self, tok: Token) -> Assign | None:
        """``name[subscript]=value``: the subscript may hold expansions (``a[$i]=x``),
        so the word's source text is split and its pieces lexed again."""
        raw = tok.word.raw
        name = raw[:raw.index("[")]
        if not _is_name(name):
            return None
        close = _closing_bracket(raw, len(name))
        if close < 0:
            raw, close = self._reread_subscript(tok, len(name))
        append = raw.startswith("+=", close + 1)
        if not (append or raw.startswith("=", close + 1)):
            return None
        if len(raw) > len(tok.word.raw):  # the word went on past a blank
            self.lex.line += raw.count("\n", 0, close)
            self.lex.pos = tok.start + close + 1
            raw = raw[:close + 1] + self.lex.read_word().raw
        value = raw[close + (3 if append else 2):]
        index = Arith(raw[len(name) + 1:close], tok.line)
        return Assign(name, self._word_from(value, tok.line), append, index)

    def _reread_subscript(self, tok: Token, bracket: int) -> tuple[str, int]:
        """bash reads the subscript of ``name[...`` before the command name up to
        its ``]``, blanks included: the source from the word on, and the ``]``."""
        src = self.lex.src[tok.start:]
        close = _closing_bracket(src, bracket)
        if close < 0:
            raise ParseError(tok.line, None, "unexpected EOF while looking for matching `]'")
        return src, close

    def _word_from(self, text: str, line: int) -> Word:
        """Lex ``text`` (part of a word already read) as a word of its own."""
        if not text:
            return Word([], "")
        return Lexer(text, 0, line, self._subparse).read_word()

    def opens_list(self, tok: Token, assign: Assign) -> bool:
        """Whether ``name=`` is directly followed by ``(``: an array assignment."""
        nxt = self.peek()
        return not assign.value.parts and nxt.kind == "OP" and nxt.text == "(" \
            and nxt.start == tok.start + len(tok.text)

    def array_list(self, tok: Token, assign: Assign) -> ArrayAssign:
        """``name=( word... )``: newlines and comments may separate the words."""
        name = assign.name
        if assign.index is not None:
            name += f"[{assign.index.text}]"  # an error when run, as in bash
        start = self.take().start + 1
        items = []
        while True:
            item = self.take()
            if item.kind == "NL":
                continue
            if item.kind == "OP" and item.text == ")":
                break
            if item.kind != "WORD":
                raise self.error(item)
            items.append(self.array_item(item))
        raw = self.lex.src[start:item.start]
        return ArrayAssign(name, items, assign.append, raw, tok.line)

    def array_item(self, tok: Token) -> tuple:
        """(index, word) for an element of an array list; ``[i]=word`` sets index i."""
        raw = tok.word.raw
        if type(tok.word) is Word and tok.word.parts and type(tok.word.parts[0]) is Lit \
                and raw.startswith("["):
            close = _closing_bracket(raw, 0)
            if close > 0 and raw.startswith("=", close + 1):
                return Arith(raw[1:close], tok.line), self._word_from(raw[close + 2:], tok.line)
        return None, tok.word

    def function_body(self, name: str, line: int) -> FuncDef:
        self.expect_op("(")
        self.expect_op(")")
        self.skip_newlines()
        tok = self.peek()
        if not (tok.kind == "OP" and tok.text == "(") and self.reserved(tok) not in self.COMPOUND:
            raise self.error(tok)
        return FuncDef(name, self.command(), line)

    def function_keyword(self) -> FuncDef:
        line = self.take().line
        name = self.take()
        if name.kind != "WORD":
            raise self.error(name)
        if self.peek().kind == "OP" and self.peek().text == "(":
            return self.function_body(name.text, line)
        self.skip_newlines()
        tok = self.peek()
        if not (tok.kind == "OP" and tok.text == "(") and self.reserved(tok) not in self.COMPOUND:
            raise self.error(tok)
        return FuncDef(name.text, self.command(), line)

    def subshell_or_arith(self):
        tok = self.take()
        if self.lex.src.startswith("(", self.lex.pos) and self.lex.pos == tok.start + 1:
            self.lex.pos += 1
            text = self.lex.read_arith_command()
            if text is None:
                raise ParseError(tok.line, "(")
            return ArithCmd(Arith(text, tok.line), tok.line)
        body = self.compound_list(frozenset())
        self.expect_op(")")
        return Subshell(body, tok.line)

    def group(self) -> Group:
        line = self.take().line
        body = self.compound_list(frozenset(["}"]))
        self.expect_word("}")
        return Group(body, line)

    def if_clause(self) -> If:
        line = self.take().line
        clauses = []
        cond = self.compound_list(frozenset(["then"]))
        self.expect_word("then")
        body = self.compound_list(frozenset(["elif", "else", "fi"]))
        clauses.append((cond, body))
        orelse = None
        while True:
            tok = self.take()
            word = self.reserved(tok)
            if word == "elif":
                cond = self.compound_list(frozenset(["then"]))
                self.expect_word("then")
                clauses.append((cond, self.compound_list(frozenset(["elif", "else", "fi"]))))
            elif word == "else":
                orelse = self.compound_list(frozenset(["fi"]))
                self.expect_word("fi")
                break
            elif word == "fi":
                break
            else:
                raise self.error(tok)
        return If(clauses, orelse, line)

    def loop_body(self) -> CmdList:
        self.skip_newlines()
        if self.reserved(self.peek()) == "{":
            body = self.group().body
            return body
        self.expect_word("do")
        body = self.compound_list(frozenset(["done"]))
        self.expect_word("done")
        return body

    def while_clause(self) -> Loop:
        tok = self.take()
        cond = self.compound_list(frozenset(["do"]))
        self.expect_word("do")
        body = self.compound_list(frozenset(["done"]))
        self.expect_word("done")
        return Loop(cond, body, tok.text == "until", tok.line)

    def for_clause(self):
        line = self.take().line
        tok = self.peek()
        if tok.kind == "OP" and tok.text == "(" and self.lex.src.startswith("(", self.lex.pos):
            return self.arith_for(line)
        name = self.take()
        if name.kind != "WORD" or not _is_name(name.text):
            raise self.error(name)
        words = None
        self.skip_newlines()
        if self.reserved(self.peek()) == "in":
            self.take()
            words = []
            while self.peek().kind == "WORD":
                words.append(self.take().word)
            tok = self.take()
            if tok.kind not in ("NL",) and not (tok.kind == "OP" and tok.text == ";"):
                raise self.error(tok)
        elif self.peek().kind == "OP" and self.peek().text == ";":
            self.take()
        return For(name.text, words, self.loop_body(), line)

    def arith_for(self, line: int) -> ArithFor:
        self.take()
        self.lex.pos += 1
        text = self.lex.read_arith_command()
        parts = text.split(";") if text is not None else []
        if len(parts) != 3:
            raise ParseError(line, "(")
        if self.peek().kind == "OP" and self.peek().text == ";":
            self.take()
        # each an Arith (expanded when run: i<${#a[@]}), or None when empty
        init, cond, step = (Arith(p.strip(), line) if p.strip() else None for p in parts)
        return ArithFor(init, cond, step, self.loop_body(), line)

    def case_clause(self) -> Case:
        line = self.take().line
        word = self.take()
        if word.kind != "WORD":
            raise self.error(word)
        self.skip_newlines()
        self.expect_word("in")
        self.skip_newlines()
        items = []
        while True:
            tok = self.peek()
            if self.reserved(tok) == "esac":
                self.take()
                break
            if tok.kind == "OP" and tok.text == "(":
                self.take()
            pattern = self.take()
            if pattern.kind != "WORD":
                raise self.error(pattern)
            patterns = [pattern.word]
            while self.peek().kind == "OP" and self.peek().text == "|":
                self.take()
                pattern = self.take()
                if pattern.kind != "WORD":
                    raise self.error(pattern)
                patterns.append(pattern.word)
            self.expect_op(")")
            body = self.compound_list(frozenset(["esac"]), allow_empty=True)
            tok = self.peek()
            if tok.kind == "OP" and tok.text in (";;", ";&", ";;&"):
                self.take()
                items.append((patterns, body, tok.text))
                self.skip_newlines()
            elif self.reserved(tok) == "esac":
                items.append((patterns, body, ";;"))
            else:
                raise self.error(tok)
        return Case(word.word, items, line)

    def cond_command(self) -> CondCmd:
        line = self.take().line
        words: list = []
        while True:
            tok = self.take()
            if self.reserved(tok) == "]]":
                break
            if tok.kind == "WORD":
                words.append(tok.word)
            elif tok.kind == "OP" and tok.text in COND_OPS:
                words.append(tok.text)
            else:
                raise self.error(tok)
        return CondCmd(words, line)

    COMPOUND = {
        "{": group,
        "if": if_clause,
        "while": while_clause,
        "until": while_clause,
        "for": for_clause,
        "case": case_clause,
        "function": function_keyword,
        "[[": cond_command,
    }

