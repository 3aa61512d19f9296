package io.lb4j.examples;

import io.lb4j.healthcheck.dicom.pdu.Abort;
import io.lb4j.healthcheck.dicom.pdu.AssociateAc;
import io.lb4j.healthcheck.dicom.pdu.AssociateRq;
import io.lb4j.healthcheck.dicom.pdu.CommandAssembler;
import io.lb4j.healthcheck.dicom.pdu.CommandSet;
import io.lb4j.healthcheck.dicom.pdu.MalformedPduException;
import io.lb4j.healthcheck.dicom.pdu.PDataTf;
import io.lb4j.healthcheck.dicom.pdu.Pdu;
import io.lb4j.healthcheck.dicom.pdu.PduCodec;
import io.lb4j.healthcheck.dicom.pdu.Pdv;
import io.lb4j.healthcheck.dicom.pdu.PresentationContext;
import io.lb4j.healthcheck.dicom.pdu.PresentationContextResult;
import io.lb4j.healthcheck.dicom.pdu.ReleaseRp;
import io.lb4j.healthcheck.dicom.pdu.ReleaseRq;
import io.lb4j.healthcheck.dicom.pdu.Uids;
import io.lb4j.healthcheck.dicom.pdu.UserInformation;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * A Verification (C-ECHO) conversation, both sides, over blocking sockets, on lb4j's DICOM PDU codec: the demo
 * clusters answer it as a PACS would, and the demo's clients use it through the VIP.
 *
 * <p>The SCP puts its cluster's name in the A-ASSOCIATE-AC's Implementation Version Name, which is how a demo
 * client tells which cluster answered through the VIP.
 */
final class Dicom {

    /** The largest PDU length either side announces and accepts. */
    private static final int MAX_PDU_LENGTH = 64 * 1024;
    /** PS3.8 D.3.3.2.3: an implementation version name has at most 16 characters. */
    private static final int MAX_VERSION_NAME = 16;

    private Dicom() {
    }

    // ------------------------------------------------------------------------------------------------ SCP

    /**
     * Serves one association on {@code socket} until release or abort: accepts the Verification SOP Class with
     * Implicit VR Little Endian (rejects other presentation contexts), answers every C-ECHO-RQ with status 0.
     * A malformed PDU is answered with an A-ABORT that gives the reason.
     */
    static void serve(Socket socket, String implementationName) throws IOException {
        InputStream in = new BufferedInputStream(socket.getInputStream());
        OutputStream out = socket.getOutputStream();
        CommandAssembler commands = new CommandAssembler(MAX_PDU_LENGTH);
        try {
            while (true) {
                switch (PduCodec.read(in, MAX_PDU_LENGTH)) {
                    case AssociateRq rq -> send(out, accept(rq, implementationName));
                    case PDataTf data -> {
                        for (Pdv pdv : data.pdvs()) {
                            Optional<CommandSet> command = commands.add(pdv);
                            if (command.isPresent() && command.get().commandField() == CommandSet.C_ECHO_RQ) {
                                send(out, PDataTf.command(pdv.presentationContextId(),
                                        CommandSet.echoRsp(command.get().messageId(), CommandSet.SUCCESS)));
                            }
                        }
                    }
                    case ReleaseRq _ -> {
                        send(out, new ReleaseRp());
                        return;
                    }
                    default -> {
                        return; // A-ABORT or anything unexpected: drop the association
                    }
                }
            }
        } catch (MalformedPduException e) {
            send(out, Abort.byProvider(e.abortReason()));
        }
    }

    /** Accepts every proposed context for Verification in Implicit VR Little Endian, and refuses the others. */
    private static AssociateAc accept(AssociateRq rq, String implementationName) {
        List<PresentationContextResult> results = rq.presentationContexts().stream().map(Dicom::answer).toList();
        String name = implementationName.length() > MAX_VERSION_NAME
                ? implementationName.substring(0, MAX_VERSION_NAME) : implementationName;
        return new AssociateAc(rq.calledAeTitle(), rq.callingAeTitle(), Uids.APPLICATION_CONTEXT, results,
                UserInformation.lb4j(MAX_PDU_LENGTH, name));
    }

    private static PresentationContextResult answer(PresentationContext pc) {
        int result = !pc.abstractSyntax().equals(Uids.VERIFICATION)
                ? PresentationContextResult.ABSTRACT_SYNTAX_NOT_SUPPORTED
                : pc.transferSyntaxes().contains(Uids.IMPLICIT_VR_LITTLE_ENDIAN)
                        ? PresentationContextResult.ACCEPTANCE
                        : PresentationContextResult.TRANSFER_SYNTAXES_NOT_SUPPORTED;
        return new PresentationContextResult(pc.id(), result, Uids.IMPLICIT_VR_LITTLE_ENDIAN);
    }

    // ------------------------------------------------------------------------------------------------ SCU

    /**
     * Associates, sends a C-ECHO-RQ, checks for status 0 and releases; returns the SCP's Implementation Version Name
     * (the demo cluster's name).
     *
     * @throws IOException when any step fails, saying which
     */
    static String echo(InetSocketAddress target, Duration timeout) throws IOException {
        try (Socket s = new Socket()) {
            s.connect(target, (int) timeout.toMillis());
            s.setSoTimeout((int) timeout.toMillis());
            InputStream in = new BufferedInputStream(s.getInputStream());
            OutputStream out = s.getOutputStream();
            send(out, AssociateRq.verification("ANY-SCP", "LB4J-DEMO",
                    UserInformation.lb4j(MAX_PDU_LENGTH, UserInformation.LB4J_VERSION_NAME)));
            if (!(PduCodec.read(in, MAX_PDU_LENGTH) instanceof AssociateAc ac) || !ac.result(
                    AssociateRq.VERIFICATION_CONTEXT_ID).map(PresentationContextResult::accepted).orElse(false)) {
                throw new IOException("association not accepted for Verification");
            }
            send(out, PDataTf.command(AssociateRq.VERIFICATION_CONTEXT_ID, CommandSet.echoRq(7)));
            if (!(PduCodec.read(in, MAX_PDU_LENGTH) instanceof PDataTf rsp)) {
                throw new IOException("no C-ECHO-RSP");
            }
            CommandSet c = CommandSet.decode(rsp.pdvs().getFirst().fragment()); // a C-ECHO-RSP fits one PDV
            if (c.commandField() != CommandSet.C_ECHO_RSP || c.status() != CommandSet.SUCCESS) {
                throw new IOException(String.format("C-ECHO failed: command 0x%04X status 0x%04X",
                        c.commandField(), c.status()));
            }
            send(out, new ReleaseRq());
            if (!(PduCodec.read(in, MAX_PDU_LENGTH) instanceof ReleaseRp)) {
                throw new IOException("no A-RELEASE-RP");
            }
            return ac.userInformation().implementationVersionName();
        }
    }

    private static void send(OutputStream out, Pdu pdu) throws IOException {
        out.write(pdu.encode());
        out.flush();
    }
}
