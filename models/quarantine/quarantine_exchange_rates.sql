{{ quarantine_rows(ref('base_raw__exchange_rates'), [
    'rate_date',
    'currency',
    'rate_to_reporting',
]) }}
