#!/bin/sh
# The namespace Đôn đốc runs in and the custom search attributes its workflows upsert
# (dondoc/workflows/search_attributes.py; the console filters on them). Idempotent.
set -eu

: "${TEMPORAL_ADDRESS:?TEMPORAL_ADDRESS is required}"
: "${NAMESPACE:?NAMESPACE is required}"
export TEMPORAL_ADDRESS

until temporal operator cluster health >/dev/null 2>&1; do
    echo "waiting for Temporal at $TEMPORAL_ADDRESS"
    sleep 3
done

temporal operator namespace describe --namespace "$NAMESPACE" >/dev/null 2>&1 \
    || temporal operator namespace create --namespace "$NAMESPACE" \
        --retention "${RETENTION:-30d}"

for attribute in DondocOwner:Keyword DondocLeader:Keyword DondocNotice:Keyword \
    DondocState:Keyword DondocStatusClass:Keyword DondocDeadline:Datetime; do
    temporal operator search-attribute create --namespace "$NAMESPACE" \
        --name "${attribute%%:*}" --type "${attribute#*:}" \
        || echo "search attribute ${attribute%%:*} exists"
done
echo "namespace $NAMESPACE is ready"
