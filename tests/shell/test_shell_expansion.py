"""Expansions that depend on the file system or the dialect."""

from fakesys import FakeSystem
from shellrun import run


def test_globbing_uses_listdir_and_unmatched_stays_literal():
    fs = FakeSystem()
    for name in ("test1", "test2", "other", ".hidden"):
        fs.makedirs(f"/srv/{name}")
    result = run("cd /srv\necho test* ; echo /srv/t?st[12] ; echo *zz ; echo '*' ; echo *", fs=fs)
    assert result.out == ("test1 test2\n/srv/test1 /srv/test2\n*zz\n*\nother test1 test2\n")


def test_prefix_brace_range_gives_500_words():
    result = run("set -- range{1..500}; echo $# $1 $500")
    assert result.out == "500 range1 range500\n"


def test_sh_dialect_leaves_braces_literal():
    result = run("echo {1..3} a{b,c}", dialect="sh")
    assert result.out == "{1..3} a{b,c}\n"
    assert run("echo {1..3} a{b,c}").out == "1 2 3 ab ac\n"


def test_tilde_and_cwd():
    result = run("echo ~ ~/x; cd /tmp; pwd; cd ..; echo $PWD; cd -")
    assert result.out == "/root /root/x\n/tmp\n/\n/tmp\n"


def test_read_loop_from_a_file():
    fs = FakeSystem()
    fs.add_file("/root/list", b"a 1\nb 2\n")
    result = run("while read name n; do echo \"$n=$name\"; done < list", fs=fs)
    assert result.out == "1=a\n2=b\n"


def test_here_documents_and_functions_with_redirection():
    result = run("f() { cat; }\nf <<EOF > out\nv=$((6*7))\nEOF\ncat out\n"
                 "x=q\ncat <<-'E'\n\t$x\n\tE\n")
    assert result.out == "v=42\n$x\n"


def test_words_with_one_parameter():
    """The fast path for ``text$name text``: values that split, glob, vanish or are special."""
    result = run("i=3; e=; g='*'; s='a b'; a=(x y); set -- p 'q r'\n"
                 "echo t$i $$x [$e] [x$e] $g.none d$s $a/ z$1 z$2 $e\n"
                 "IFS=:; c=u:v; echo w$c $c\n"
                 "set -u; echo k$unset; echo not reached\n")
    assert result.out == f"t3 {result.pid}x [] [x] *.none da b x/ zp zq r\nwu v u v\n"
    assert result.err == "script.sh: line 4: unset: unbound variable\n"
    assert result.status == 1
