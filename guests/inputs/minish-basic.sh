# minish: pipes, redirections, ';' and $?
echo hello world
echo one two three | wc
echo "quoted   spaces" 'and $? literal' \| escaped
exitcode 3 > /tmp/minish-null.txt ; echo status $?
exitcode 300 ; echo "status in quotes: $?"
no-such-program ; echo after a missing program: $?
echo alpha > /tmp/minish-test.txt ; echo beta >> /tmp/minish-test.txt
cat < /tmp/minish-test.txt
wc < /tmp/minish-test.txt | cat
echo three stages | cat | cat | wc
cat /tmp/minish-test.txt | wc > /tmp/minish-count.txt ; cat /tmp/minish-count.txt
cat < /tmp/no-such-input.txt ; echo missing input: $?
echo a | exitcode 5 ; echo pipeline status is the last command: $?
exitcode 5 | echo b ; echo $?
cd /tmp ; cat minish-test.txt minish-null.txt
echo not run ; | ; echo not run either
echo after the syntax error: $?
rm minish-test.txt minish-count.txt minish-null.txt ; echo removed: $?
rm minish-test.txt ; echo removed again: $?
exit 4
echo not reached
