#!/usr/bin/env python3
"""Shows that every step of every transcript can fail: in a copy of this folder it breaks, one at
a time, each step's expected status and the first literal value of its expected JSON body, runs
that transcript on SQLite, and checks that the runner fails at exactly that step with a message
naming what was broken. Not run by CI (a few minutes); run it after adding steps:

    tests/http/can_fail.py build/release/bin/http_transcripts
"""
import glob, os, re, shutil, subprocess, sys, tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
# A literal string or number standing as a member's value (not a placeholder, not `*`).
LITERAL = re.compile(r'(:\s*)("(?:[^"{*\\]|\\.)+"|-?\d+(?:\.\d+)?)(?=\s*[,}\]])')


def steps_of(lines):
    starts = [i for i, line in enumerate(lines) if line.startswith('###')]
    return [(k, s, starts[k + 1] if k + 1 < len(starts) else len(lines)) for k, s in enumerate(starts)]


def breakages(lines, start, end):
    """(line index, broken line, what the failure must say) for one step."""
    arrow = next(i for i in range(start, end) if lines[i].strip() == '<<<')
    status = next(i for i in range(arrow + 1, end) if lines[i].strip())
    yield status, 'HTTP/1.1 299', 'status: expected 299'
    blank = next((i for i in range(status + 1, end) if not lines[i].strip()), None)
    body = next((i for i in range(blank + 1, end) if LITERAL.search(lines[i])), None) if blank else None
    if body is not None:
        m = LITERAL.search(lines[body])
        value = m.group(2)
        broken = value[:-1] + '~"' if value.startswith('"') else str(float(value) + 1000)
        yield body, lines[body][:m.start(2)] + broken + lines[body][m.end(2):], '  body $'


def main(binary):
    caught = missed = 0
    with tempfile.TemporaryDirectory() as tmp:
        for path in sorted(glob.glob(os.path.join(HERE, '*.http'))):
            name = os.path.basename(path)
            lines = open(path).read().split('\n')
            for k, start, end in steps_of(lines):
                if any(line.startswith('# @known-difference') for line in lines[start:end]):
                    continue
                for index, broken, says in breakages(lines, start, end):
                    copy = lines[:]
                    copy[index] = broken
                    shutil.rmtree(tmp, ignore_errors=True)
                    os.makedirs(tmp)
                    open(os.path.join(tmp, name), 'w').write('\n'.join(copy))
                    run = subprocess.run([binary, '--gtest_filter=Http_sqlite.' + name[:-5]], capture_output=True,
                                         text=True, env=dict(os.environ, LOCKSTEP_HTTP_TRANSCRIPTS=tmp))
                    if f'step {k + 1} of ' in run.stdout and says in run.stdout and run.returncode != 0:
                        caught += 1
                    else:
                        missed += 1
                        print(f'NOT CAUGHT: {name} step {k + 1}: {broken}')
    print(f'{caught} of {caught + missed} broken expectations caught')
    return 1 if missed else 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else 'build/release/bin/http_transcripts'))
