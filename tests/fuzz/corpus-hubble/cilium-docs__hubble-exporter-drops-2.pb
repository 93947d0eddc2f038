
è
¢©çß∑—¢Û*
10.244.1.60
10.244.1.52

ÙﬁPBdefault*xwingJ%default*deathstar-7848d6c4d5-th9v2Zkind-kind/kind-worker»Ö¬>kind-kind/kind-worker >¢©çß∑—¢Û