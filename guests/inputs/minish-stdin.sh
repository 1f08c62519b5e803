echo before
cat
echo this line is data for cat, not a command
exit 9
