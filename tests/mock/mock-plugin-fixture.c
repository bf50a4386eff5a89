/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The fixture of the plugin-level tests of the mock: see mock-plugin-fixture.h. */
#include "mock-plugin-fixture.h"

const char scenario[] =
        "{'name':'plugin test',"
        " 'latency':{'profile':'zero','door-open':100,'door-close':100,'door-lock':20,"
        "   'door-safe-state':100,'document-read-mrz':50,'finger-verify':30,'walk':10},"
        " 'lanes':[{'name':'A1'}],"
        " 'travellers':["
        "  {'id':'t01','mrz':['" MRZ1_L1 "','" MRZ1_L2 "'],'think_ms':0,"
        "   'membership':{'status':'active','enrolled':'2023-05-01'}},"
        "  {'id':'t02','mrz':['I<UTOD231458907<<<<<<<<<<<<<<<','7408122F1204159UTO<<<<<<<<<<<6',"
        "   'ERIKSSON<<ANNA<MARIA<<<<<<<<<<'],'chip':{'behaviour':'remove-mid-read'}},"
        "  {'id':'t03','mrz':['" MRZ1_L1 "','" MRZ1_L2 "'],"
        "   'chip':{'behaviour':'slow','delay_ms':300},"
        "   'fingerprint':{'identity':'fp3','behaviour':['poor-quality','no-match','match']},"
        "   'face':{'behaviour':['multi-face','no-match','match']}},"
        "  {'id':'t04','mrz':['" MRZ1_L1 "','" MRZ1_L2 "'],'mrz_readable':false,"
        "   'chip':{'present':false}},"
        "  {'id':'t05','mrz':['" MRZ1_L1 "','" MRZ1_L2 "'],'chip':{'behaviour':'unreadable'},"
        "   'fingerprint':{'behaviour':['timeout','match']}}],"
        " 'faults':[{'device':'A1-indicator','op':'indicator-set','fault':'error','after':1}]}";

const uint8_t template_t01[12] = "EGMOCK1\0t01";

int setup_with(void **state, const char *json, const char *latency) {
        struct fixture *f = calloc(1, sizeof(*f));
        void *pd = NULL;
        size_t n = 0;

        assert_non_null(f);
        f->config[n++] = "scenario";
        f->config[n++] = strdup(mock_test_write_scenario(json));
        f->config[n++] = "control-socket";
        f->config[n++] = "none";
        if (latency) {
                f->config[n++] = "latency";
                f->config[n++] = latency;
        }
        f->host = fake_host_new(f->config);
        assert_int_equal(fake_host_init(f->host, &pd), 0);
        f->plugin = pd;
        *state = f;
        return 0;
}

int setup(void **state) {
        return setup_with(state, scenario, NULL);
}

int teardown(void **state) {
        struct fixture *f = *state;

        fake_host_shutdown(f->host, f->plugin);
        assert_int_equal(fake_host_n_timers(f->host), 0);
        assert_int_equal(fake_host_n_io(f->host), 0);
        assert_int_equal(fake_host_bad_removals(f->host), 0);
        fake_host_free(f->host);
        free((char *) f->config[1]);
        free(f);
        return 0;
}
