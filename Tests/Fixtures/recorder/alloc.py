import json, collections
d = {}
for i in range(20000):
    d["k%d" % i] = {"id": i, "tags": ["a", "b", str(i)], "v": i * 1.5}
s = json.dumps(d)
back = json.loads(s)
c = collections.Counter(len(k) for k in back)
print(len(s), sorted(c.items())[:3])
