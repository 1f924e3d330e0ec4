// Reelhouse edge: checks the app's stream and download tokens without calling it (format: docs/edge.md; the one
// signer is reelhouse/playback/edge.py). `js_set $edge_refusal edge.refusal`: "" lets the request through, any
// other value is why it is refused (403). It reads the normalised $uri, the very path nginx then serves.
import crypto from 'crypto';

const OPEN = { subs: true, trickplay: true };  // every session may fetch these (reelhouse/playback/selectors.py)
const NAME = /^[A-Za-z0-9_-]{1,64}$/;          // key id, session id, download id, package
const SIG = /^[A-Za-z0-9_-]{43}$/;             // unpadded base64url of 32 bytes
const DIGITS = /^[0-9]{1,12}$/;
const RENDITIONS = /^[A-Za-z0-9_-]{1,64}(,[A-Za-z0-9_-]{1,64})*$/;
const PART = /^[A-Za-z0-9_-][A-Za-z0-9_.-]{0,127}$/;  // a file path component: never "", ".", ".." or hidden
const LABEL = /^[0-9]{1,5}\.mp4$/;

function sameText(a, b) {  // in time that depends on the length only
    if (a.length !== b.length) return false;
    let diff = 0;
    for (let i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i);
    return diff === 0;
}

function refusal(r) {
    // /edge/s/<kid>/<sig>/<expires>/<session>/<asset>/<package>/<renditions>/<file...>
    // /edge/d/<kid>/<sig>/<expires>/<download>/<asset>/<package>/<label>.mp4
    const p = r.uri.split('/');
    const kind = p[2];
    if (p[1] !== 'edge' || (kind !== 's' && kind !== 'd')) return 'not an edge path';
    if (kind === 's' ? p.length < 11 : p.length !== 10) return 'malformed token';
    const kid = p[3], sig = p[4], expires = p[5];
    if (!NAME.test(kid) || !SIG.test(sig) || !DIGITS.test(expires) || !NAME.test(p[6]) || !DIGITS.test(p[7])
        || !NAME.test(p[8])) return 'malformed token';
    let fields;
    if (kind === 's') {
        const renditions = p[9], file = p.slice(10);
        if (!RENDITIONS.test(renditions)) return 'malformed token';
        if (!file.every(function (c) { return PART.test(c); })) return 'malformed path';
        // Only the session's own renditions, subtitles and trickplay: never the master (the app serves it,
        // filtered), never download/, never a rung above the viewer's quality (issue 12).
        if (file.length < 2 || !(OPEN[file[0]] || renditions.split(',').indexOf(file[0]) >= 0)) {
            return 'this file is not part of this stream';
        }
        fields = p.slice(5, 10);
    } else {
        if (!LABEL.test(p[9])) return 'malformed token';
        fields = p.slice(5, 9).concat([p[9].slice(0, -4)]);
    }
    const secret = r.variables.edge_secret;
    if (!secret) return 'unknown key';
    if (Number(expires) < Date.now() / 1000) return 'expired';
    const expected = crypto.createHmac('sha256', secret).update(kind + '/' + fields.join('/')).digest('base64url');
    return sameText(expected, sig) ? '' : 'bad signature';
}

export default { refusal };
