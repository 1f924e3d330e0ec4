// Reelhouse edge: checks the app's stream and download tokens without calling it (format: docs/edge.md; the one
// signer is reelhouse/playback/edge.py). `js_set $edge_refusal edge.refusal`: "" lets the request through, any
// other value is why it is refused (403). It reads the normalised $uri, the very path nginx then serves.
// One regular expression per kind checks the whole path in one pass:
//   /edge/s/<kid>/<sig>/<expires>/<session>/<asset>/<package>/<renditions>/<folder>/<file...>
//   /edge/d/<kid>/<sig>/<expires>/<download>/<asset>/<package>/<label>.mp4
// Every file path component is of A-Z a-z 0-9 _ . - and never starts with a dot (so never "." nor "..").
import crypto from 'crypto';

const STREAM = new RegExp('^/edge/s/([A-Za-z0-9_-]{1,16})/([A-Za-z0-9_-]{43})/'
    + '([0-9]{1,12}/[A-Za-z0-9_-]{1,64}/[0-9]{1,12}/[A-Za-z0-9_-]{1,64}/([A-Za-z0-9_-]{1,64}(?:,[A-Za-z0-9_-]{1,64})*))/'
    + '([A-Za-z0-9_-]{1,64})(?:/[A-Za-z0-9_-][A-Za-z0-9_.-]{0,127})+$');
const DOWNLOAD = new RegExp('^/edge/d/([A-Za-z0-9_-]{1,16})/([A-Za-z0-9_-]{43})/'
    + '([0-9]{1,12}/[A-Za-z0-9_-]{1,64}/[0-9]{1,12}/[A-Za-z0-9_-]{1,64}/[0-9]{1,5})\\.mp4$');

function sameText(a, b) {  // in time that depends on the length only
    if (a.length !== b.length) return false;
    let diff = 0;
    for (let i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i);
    return diff === 0;
}

function refusal(r) {
    const uri = r.uri;
    const stream = uri.charAt(6) === 's';
    const m = stream ? STREAM.exec(uri) : DOWNLOAD.exec(uri);
    if (m === null) return 'malformed token';
    // Only the session's own renditions, subtitles and trickplay: never the master (the app serves it, filtered),
    // never download/, never a rung above the viewer's quality (issue 12).
    if (stream && m[5] !== 'subs' && m[5] !== 'trickplay' && (',' + m[4] + ',').indexOf(',' + m[5] + ',') < 0) {
        return 'this file is not part of this stream';
    }
    const secret = r.variables.edge_secret;
    if (!secret) return 'unknown key';
    if (Number(m[3].slice(0, m[3].indexOf('/'))) < Date.now() / 1000) return 'expired';
    const message = (stream ? 's/' : 'd/') + m[3];
    const expected = crypto.createHmac('sha256', secret).update(message).digest('base64url');
    return sameText(expected, m[2]) ? '' : 'bad signature';
}

export default { refusal };
