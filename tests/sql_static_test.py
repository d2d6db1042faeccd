#!/usr/bin/env python3
"""Fails when any C++ source of bantrack could build SQL text out of values instead of binding them.

Every SQL statement must be a compile-time constant handed to db/sqlite.h (Statement::Prepare, Execute,
ExecuteScript, QueryInt: all take `const char*`), with values bound as ?N parameters. This scans every C++ source
outside tests/ and build directories for what would break that:
  1. the SQLite C API's prepare/exec functions called anywhere but db/sqlite.cc (the one thin layer), and SQLite's
     printf family (sqlite3_mprintf, ...) called anywhere;
  2. the layer's entry points taking SQL as anything but `const char*` (a std::string could be built at run time);
  3. a run-time string (`.c_str()`, `.data()`, std::string) passed as the SQL of a call;
  4. string literals holding SQL joined to anything at run time: `+`, `+=`, `<<`, append(), std::format,
     snprintf and friends next to a literal with an SQL keyword.
It also checks that API tokens are compared only with CRYPTO_memcmp (constant time) in db/tokens.cc.

usage: sql_static_test.py [REPOSITORY_ROOT]      (run by ctest as sql_static_test; --self-test runs on samples)
"""
import os
import re
import sys

SQL_KEYWORD = re.compile(
    r"\b(SELECT\s|INSERT\s+INTO|UPDATE\s+\w+\s+SET|DELETE\s+FROM|CREATE\s+(TABLE|INDEX|TRIGGER|VIEW)|DROP\s+"
    r"(TABLE|INDEX|TRIGGER|VIEW)|ALTER\s+TABLE|PRAGMA\s|WHERE\s|VALUES\s*\(|BEGIN\b|COMMIT\b|ROLLBACK\b)")
STRING_LITERAL = re.compile(r'R"(?P<delim>[^(\s]*)\((?P<raw>.*?)\)(?P=delim)"|"(?P<text>(?:[^"\\\n]|\\.)*)"', re.S)
SQLITE_CORE = re.compile(r"\bsqlite3_(prepare\w*|exec)\s*\(")
SQLITE_PRINTF = re.compile(r"\bsqlite3_(mprintf|vmprintf|snprintf|vsnprintf|str_appendf|str_vappendf)\s*\(")
SQL_ENTRY = re.compile(r"\b(Statement::Prepare|Execute|ExecuteScript|QueryInt|sqlite3_prepare\w*|sqlite3_exec)\s*\(")
JOINERS = [
    (re.compile(r"\+=?\s*$"), "joined with +"),
    (re.compile(r"<<\s*$"), "streamed with <<"),
    (re.compile(r"\b(format|snprintf|sprintf|vsnprintf|append|insert)\s*\([^;]*$"), "formatted"),
]
JOINERS_AFTER = [
    (re.compile(r"^\s*\+"), "joined with +"),
    (re.compile(r"^\s*<<"), "streamed with <<"),
]
SKIP_DIRS = {"tests", "node_modules", ".git"}


def strip_comments(code):
    """Blanks out // and /* */ comments, keeping string literals and line numbers."""
    out, i, n = [], 0, len(code)
    while i < n:
        if code.startswith("//", i):
            j = code.find("\n", i)
            j = n if j < 0 else j
            out.append(" " * (j - i))
            i = j
        elif code.startswith("/*", i):
            j = code.find("*/", i + 2)
            j = n if j < 0 else j + 2
            out.append(re.sub(r"[^\n]", " ", code[i:j]))
            i = j
        elif code[i] == '"' or code.startswith('R"', i):
            m = STRING_LITERAL.match(code, i)
            j = m.end() if m else i + 1
            out.append(code[i:j])
            i = j
        elif code[i] == "'":
            m = re.compile(r"'(?:[^'\\\n]|\\.)*'").match(code, i)
            j = m.end() if m else i + 1
            out.append(code[i:j])
            i = j
        else:
            out.append(code[i])
            i += 1
    return "".join(out)


def call_arguments(code, open_paren):
    """The text between the parenthesis at `open_paren` and its match."""
    depth, i = 0, open_paren
    while i < len(code):
        c = code[i]
        if c == '"' or code.startswith('R"', i):
            m = STRING_LITERAL.match(code, i)
            if m:
                i = m.end()
                continue
        if c == "(":
            depth += 1
        elif c == ")":
            depth -= 1
            if depth == 0:
                return code[open_paren + 1:i]
        i += 1
    return code[open_paren + 1:]


def line_of(code, index):
    return code.count("\n", 0, index) + 1


def check_source(path, code):
    """Problems in one source file, as 'path:line: message'."""
    problems = []
    code = strip_comments(code)
    normalized = path.replace(os.sep, "/")

    for m in SQLITE_CORE.finditer(code):
        if not normalized.endswith("db/sqlite.cc"):
            problems.append(f"{path}:{line_of(code, m.start())}: {m.group(0)} outside db/sqlite.cc")
    for m in SQLITE_PRINTF.finditer(code):
        problems.append(f"{path}:{line_of(code, m.start())}: {m.group(0)} builds SQL text from values")

    if normalized.endswith("db/sqlite.h"):
        for m in re.finditer(r"\b(Prepare|Execute|ExecuteScript|QueryInt)\s*\(\s*sqlite3\s*\*\s*\w+\s*,\s*([^,)]*)",
                             code):
            if not re.fullmatch(r"const\s+char\s*\*\s*\w+", m.group(2).strip()):
                problems.append(f"{path}:{line_of(code, m.start())}: {m.group(1)} takes its SQL as "
                                f"'{m.group(2).strip()}', not const char*")

    for m in SQL_ENTRY.finditer(code):
        args = call_arguments(code, m.end() - 1)
        if re.search(r"\.(c_str|data)\s*\(|std::string\s*[({]|\bstd::format\b|to_string\s*\(", args):
            problems.append(f"{path}:{line_of(code, m.start())}: {m.group(1)} is given SQL built at run time")

    for m in STRING_LITERAL.finditer(code):
        text = m.group("raw") if m.group("raw") is not None else m.group("text")
        if not SQL_KEYWORD.search(text):
            continue
        before = code[max(0, m.start() - 200):m.start()]
        before = before[before.rfind(";") + 1:] if ";" in before else before
        after = code[m.end():m.end() + 40]
        for pattern, how in JOINERS:
            if pattern.search(before):
                problems.append(f"{path}:{line_of(code, m.start())}: SQL text {how}: \"{text[:60]}\"")
                break
        else:
            for pattern, how in JOINERS_AFTER:
                if pattern.search(after):
                    problems.append(f"{path}:{line_of(code, m.start())}: SQL text {how}: \"{text[:60]}\"")
                    break

    if normalized.endswith("db/tokens.cc"):
        if "CRYPTO_memcmp" not in code:
            problems.append(f"{path}: token hashes are not compared with CRYPTO_memcmp")
        for m in re.finditer(r"\b(memcmp|strcmp|strncmp)\s*\(|\bstored\s*==|==\s*stored\b|\bhash\s*==|==\s*\*?hash\b",
                             code):
            if not code[max(0, m.start() - 7):m.start()].endswith("CRYPTO_"):
                problems.append(f"{path}:{line_of(code, m.start())}: a comparison that is not constant-time")
    return problems


def sources(root):
    for directory, subdirectories, files in os.walk(root):
        relative = os.path.relpath(directory, root)
        top = relative.split(os.sep)[0]
        if top in SKIP_DIRS or top.startswith("build"):
            subdirectories[:] = []
            continue
        subdirectories[:] = [d for d in subdirectories if d not in SKIP_DIRS]
        for name in files:
            if name.endswith((".cc", ".h", ".cpp", ".hpp", ".cc.in")):
                yield os.path.join(directory, name)


SELF_TEST_BAD = {
    "concatenated": 'Statement::Prepare(db, ("SELECT * FROM rules WHERE id = \'" + id + "\'").c_str());',
    "plus after": 'std::string sql = "DELETE FROM rules WHERE id = " + id;',
    "plus before": 'std::string sql = prefix + "WHERE id = 1";',
    "streamed": 'out << "SELECT name FROM apps WHERE id = " << id;',
    "format": 'auto sql = std::format("UPDATE rules SET title = \'{}\'", title);',
    "snprintf": 'snprintf(buffer, sizeof buffer, "INSERT INTO tokens VALUES (%s)", name);',
    "mprintf": 'char* sql = sqlite3_mprintf("SELECT %q", text);',
    "raw exec": 'sqlite3_exec(db, text, nullptr, nullptr, nullptr);',
    "c_str": 'Execute(db_, statement.c_str(), id);',
    "append": 'sql.append("DELETE FROM rules WHERE id = ");',
    "raw string": 'std::string q = R"(SELECT * FROM rules WHERE )" + filter;',
}
SELF_TEST_GOOD = {
    "constant": 'Execute(db_, "UPDATE tokens SET revoked_at = ?2 WHERE id = ?1", id, now);',
    "macro joined": 'Statement::Prepare(db_, "SELECT " BANTRACK_TOKEN_COLUMNS " FROM tokens ORDER BY id");',
    "named constant": 'constexpr const char* kInsert = "INSERT INTO apps (id) VALUES (?1)"; Run(kInsert, id);',
    "a message": 'return Error(kIo, "database integrity check failed: " + problems);',
    "http": 'routes.push_back({"DELETE", collection + "/{id}"});',
    "comment": '// std::string sql = "SELECT * FROM rules WHERE id = " + id;',
}


def self_test():
    failures = []
    for name, snippet in SELF_TEST_BAD.items():
        if not check_source("sample.cc", snippet + "\n"):
            failures.append(f"not flagged: {name}: {snippet}")
    for name, snippet in SELF_TEST_GOOD.items():
        found = check_source("sample.cc", snippet + "\n")
        if found:
            failures.append(f"flagged, but fine: {name}: {found}")
    if not any("CRYPTO_memcmp" in p for p in check_source("db/tokens.cc", "if (memcmp(a, b, 32) == 0) {}\n")):
        failures.append("db/tokens.cc without CRYPTO_memcmp not flagged")
    return failures


def main():
    failures = self_test()
    if failures:
        print("sql_static_test: the checker itself is broken:\n  " + "\n  ".join(failures))
        return 1
    if sys.argv[1:2] == ["--self-test"]:
        print(f"sql_static_test: self-test: {len(SELF_TEST_BAD)} bad samples flagged, {len(SELF_TEST_GOOD)} good passed")
        return 0
    root = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..")
    problems, scanned = [], 0
    for path in sorted(sources(root)):
        with open(path, encoding="utf-8", errors="replace") as f:
            problems += check_source(os.path.relpath(path, root), f.read())
        scanned += 1
    if scanned < 20 or not os.path.exists(os.path.join(root, "db", "sqlite.cc")):
        print(f"sql_static_test: found only {scanned} sources under {root}: wrong root?")
        return 1
    if problems:
        print("sql_static_test: SQL that is not a constant with bound parameters:\n  " + "\n  ".join(problems))
        return 1
    print(f"sql_static_test: {scanned} sources scanned: every SQL statement is a constant with bound parameters")
    return 0


if __name__ == "__main__":
    sys.exit(main())
