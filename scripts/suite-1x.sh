#!/usr/bin/env bash
# Runs oauth2orize 1.12's own test suite (mocha + chai, unchanged) against dist/cjs.
#
#   scripts/suite-1x.sh DIR
#
# DIR holds 1.12's test/ folder, for example from a clone of jaredhanson/oauth2orize:
#   git -C oauth2orize archive v1.12.0 test | tar -x -C DIR
# The suite requires 1.x's internal paths (../../lib/grant/code, ../lib/server, ...); this
# script writes one shim per path into DIR/lib/ that loads the matching module of this
# package's build, installs 1.12's test dependencies into DIR, and runs mocha.
# Nothing here runs in `make test`: the suite is not vendored into this repository.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
dir="$(cd "${1:?usage: $0 DIR}" && pwd)"
[ -d "$dir/test" ] || { echo "$dir/test not found" >&2; exit 2; }
[ -f "$root/dist/cjs/main.cjs" ] || { echo "build first: make build" >&2; exit 2; }

dist="$root/dist/cjs"
# 1.x path (under lib/) -> module of this build and the export that plays its part.
shims='
server                            server.js                      Server
unorderedlist                     unorderedlist.js               UnorderedList
errors/authorizationerror         errors/authorizationerror.js   AuthorizationError
errors/badrequesterror            errors/badrequesterror.js      BadRequestError
errors/forbiddenerror             errors/forbiddenerror.js       ForbiddenError
errors/oauth2error                errors/oauth2error.js          OAuth2Error
errors/tokenerror                 errors/tokenerror.js           TokenError
exchange/authorizationCode        exchange/authorizationCode.js  authorizationCode
exchange/clientCredentials        exchange/clientCredentials.js  clientCredentials
exchange/password                 exchange/password.js           password
exchange/refreshToken             exchange/refreshToken.js       refreshToken
grant/code                        grant/code.js                  code
grant/token                       grant/token.js                 token
middleware/authorization          middleware/authorization.js    authorization
middleware/authorizationErrorHandler middleware/authorizationErrorHandler.js authorizationErrorHandler
middleware/decision               middleware/decision.js         decision
middleware/errorHandler           middleware/errorHandler.js     errorHandler
middleware/resume                 middleware/resume.js           resume
middleware/token                  middleware/token.js            token
middleware/transactionLoader      middleware/transactionLoader.js transactionLoader
'
while read -r from to name; do
  [ -n "$from" ] || continue
  mkdir -p "$dir/lib/$(dirname "$from")"
  printf "module.exports = require(%s).%s;\n" "'$dist/$to'" "$name" > "$dir/lib/$from.js"
done <<< "$shims"
# require('..') from test/package.test.js: the package itself.
printf '{"name":"oauth2orize-1x-suite","private":true,"main":"%s"}\n' "$dist/main.cjs" > "$dir/package.json"

if [ ! -x "$dir/node_modules/.bin/mocha" ]; then
  (cd "$dir" && npm install --no-save --no-audit --no-fund --no-package-lock \
    mocha@2 chai@2 chai-connect-middleware@0.3 chai-oauth2orize-grant@0.3 >/dev/null)
fi
cd "$dir"
exec node_modules/.bin/mocha --reporter dot --require test/bootstrap/node.js 'test/**/*.test.js' test/*.test.js
